#!/usr/bin/env bash
# File -> UDP -> file on loopback: mproxy-client -> mproxy-server with default flags, against socat -> socat in the
# same run. Reports throughput (input bytes / sender wall time), bytes lost and whether the copy is byte-exact.
# Usage: bench/client-server.sh [--size BYTES] [--runs N] [--out DIR]   (defaults: 1 GiB, 3 runs, bench/work)
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"
size=$((1 << 30)); runs=3; out_dir="$bench_work"
while [ $# -gt 0 ]; do
  case "$1" in
    --size) size="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --out) out_dir="$2"; shift 2 ;;
    *) echo "usage: $0 [--size BYTES] [--runs N] [--out DIR]" >&2; exit 2 ;;
  esac
done
if [ -z "${MPROXY_BENCH_NETNS:-}" ]; then
  bench_build mproxy-client,mproxy-server
  bench_need socat || true
fi
bench_enter_netns --size "$size" --runs "$runs" --out "$out_dir"
mkdir -p "$out_dir"
input="$bench_work/input-$size"
[ "$(bench_size "$input")" = "$size" ] || head -c "$size" /dev/urandom > "$input"
output="$out_dir/bench-output"
port=9920
results="$bench_root/bench/results/client-server.md"
rows=()

row() { # tool run seconds received cpu
  local tool="$1" run="$2" seconds="$3" received="$4" cpu="$5" exact
  cmp -s "$input" "$output" && exact=yes || exact=no
  rows+=("$(printf '| %-26s | %d | %8.1f | %12d | %6.2f%% | %5s | %6.2f |' "$tool" "$run" \
    "$(echo "$size / $seconds / 1000000" | bc -l)" "$((size - received))" \
    "$(echo "100 * ($size - $received) / $size" | bc -l)" "$exact" "$cpu")")
  echo "${rows[-1]}" >&2
}

run_ours() {
  local run="$1" start end server cpu
  rm -f "$output"; sync
  "$JAVA" -jar "$bench_root/mproxy-server/target/mproxy-server.jar" --listen-addr 127.0.0.1:$port --path "$output" \
    2>"$bench_work/server.err" &
  server=$!
  bench_await_udp_port $port
  start=$(bench_now)
  /usr/bin/time -f "%U %S" -o "$bench_work/client.time" "$JAVA" -jar "$bench_root/mproxy-client/target/mproxy-client.jar" \
    --path "$input" --server-addr 127.0.0.1:$port 2>"$bench_work/client.err"
  end=$(bench_now)
  bench_await_stable "$output" 30
  kill -TERM $server; wait $server || true
  cpu=$(awk '{print $1 + $2}' "$bench_work/client.time")
  row "mproxy-client -> server" "$run" "$(echo "$end - $start" | bc -l)" "$(bench_size "$output")" "$cpu"
}

run_socat() {
  local run="$1" start end receiver cpu
  rm -f "$output"; sync
  socat -u UDP-RECV:$port,rcvbuf=8388608 OPEN:"$output",creat,trunc &
  receiver=$!
  bench_await_udp_port $port
  start=$(bench_now)
  /usr/bin/time -f "%U %S" -o "$bench_work/socat.time" socat -u OPEN:"$input" UDP-SENDTO:127.0.0.1:$port
  end=$(bench_now)
  bench_await_stable "$output" 30
  kill -TERM $receiver; wait $receiver || true
  cpu=$(awk '{print $1 + $2}' "$bench_work/socat.time")
  row "socat -> socat" "$run" "$(echo "$end - $start" | bc -l)" "$(bench_size "$output")" "$cpu"
}

for ((run = 1; run <= runs; run++)); do
  run_ours "$run"
  command -v socat >/dev/null && run_socat "$run"
done
rm -f "$output"
{
  echo "File -> UDP -> file on 127.0.0.1, $size bytes, default flags, output in $out_dir ($(date -u +%F), $(nproc) cores)"
  echo
  echo "| job                        | run |     MB/s |   bytes lost |  lost % | exact | sender CPU s |"
  echo "|----------------------------|-----|----------|--------------|---------|-------|--------------|"
  printf '%s\n' "${rows[@]}"
} | tee "$results"
