#!/usr/bin/env bash
# Jobs 1 and 2: file -> UDP -> file on loopback.
#   job 1: mproxy-client -> mproxy-server with default flags, through the launchers of the dist bundle (as users run
#          them: their JVM flags and start-up archives), against socat -> socat (unpaced) and iperf3 paced at our
#          default --rate, in the same run. Throughput = input bytes / sender wall time; loss = bytes missing
#          (or, for iperf3, its lost-datagram percentage); CPU and peak RSS summed over sender and receiver.
#   job 2 (--search RATES): the highest --rate (and iperf3 -b) with zero loss in 3 of 3 runs, trying RATES in
#          increasing order and stopping at the first that fails.
# Usage: bench/client-server.sh [--size BYTES] [--runs N] [--out DIR] [--search "250M 400M ..."]
#        (defaults: 1 GiB, 3 runs, bench/work). Rows also go to $MPROXY_BENCH_CSV (see lib.sh).
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"
size=$((1 << 30)); runs=3; out_dir="$bench_work"; search=""
while [ $# -gt 0 ]; do
  case "$1" in
    --size) size="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --out) out_dir="$2"; shift 2 ;;
    --search) search="$2"; shift 2 ;;
    *) echo "usage: $0 [--size BYTES] [--runs N] [--out DIR] [--search RATES]" >&2; exit 2 ;;
  esac
done
if [ -z "${MPROXY_BENCH_NETNS:-}" ]; then
  bench_bundle > /dev/null
  bench_need socat || true
  bench_need iperf3 || true
fi
bench_enter_netns --size "$size" --runs "$runs" --out "$out_dir" --search "$search"
mkdir -p "$out_dir"
dist="$bench_work/dist-client-server"
bench_unpack_bundle "$dist"
# BENCH_JAVA_OPTS reaches the launchers' JVMs as their own MPROXY_JAVA_OPTS (added after their flags).
export MPROXY_JAVA_OPTS="${BENCH_JAVA_OPTS:-}"
input="$bench_work/input-$size"
[ "$(bench_size "$input")" = "$size" ] || head -c "$size" /dev/urandom > "$input"
output="$out_dir/bench-output"
port=9920
# Our client's defaults to a loopback server (ClientContext.LOOPBACK_RATE, LOOPBACK_MAX_DATAGRAM = MaxDatagram.LIMIT):
# the paced peer runs at the same rate and datagram size.
default_rate=$(sed -n 's/.*LOOPBACK_RATE = \([0-9_]*\)L;.*/\1/p' \
  "$bench_root/mproxy-client/src/main/java/io/mproxy/client/ClientContext.java" | tr -d _)
default_datagram=$(sed -n 's/.*LIMIT = \([0-9_]*\);.*/\1/p' \
  "$bench_root/mproxy-common/src/main/java/io/mproxy/common/cli/MaxDatagram.java" | tr -d _)
results="$bench_results/client-server.md"
# The Markdown rows of this invocation, in a file: job 2's runs happen in command substitutions (subshells).
rows="$bench_work/client-server.rows"
: > "$rows"

# Converts 250M / 1G / 123456 (bytes per second) to bytes per second.
bytes_per_second() { numfmt --from=si "$1"; }

# row JOB TOOL VARIANT RUN SECONDS LOSS_PERCENT CPU RSS EXACT: one Markdown row and one CSV row.
row() {
  local job="$1" tool="$2" variant="$3" run="$4" seconds="$5" loss="$6" cpu="$7" rss="$8" exact="$9" mbs
  mbs=$(echo "$size / $seconds / 1000000" | bc -l)
  printf '| %-26s | %-14s | %d | %8.1f | %7.3f%% | %5s | %6.2f | %7d |\n' "$tool" "$variant" "$run" "$mbs" \
    "$loss" "$exact" "$cpu" "$rss" >> "$rows"
  tail -n 1 "$rows" >&2
  bench_csv "$job" "$tool" "$variant" "$run" "$(printf '%.1f' "$mbs")" MB/s "$(printf '%.4f' "$loss")" "$cpu" "$rss"
}

# The input in the page cache before every sender reads it, so that each run measures the transfer and not this VM's
# disk: between jobs the kernel gives the cache back (in the 14:26 UTC full run, job 1 read a cold input at 298-418
# MB/s while job 2, reading it run after run, reached 800 MB/s).
warm_input() { cat "$input" > /dev/null; }

# lost_percent RECEIVED: the share of the input missing at the output.
lost_percent() { echo "100 * ($size - $1) / $size" | bc -l; }

# ours JOB VARIANT RUN [--rate R]: one mproxy-client -> mproxy-server transfer; prints "pass" or "fail".
ours() {
  local job="$1" variant="$2" run="$3" start end server stats received exact; shift 3
  rm -f "$output"; sync; warm_input
  # --stats=0: no periodic lines, the totals at exit, so that a loss says where it was (kernel or ring drops).
  "$dist/bin/mproxy-server" --listen-addr 127.0.0.1:$port --path "$output" --stats=0 2>"$bench_work/server.err" &
  server=$!
  bench_await_udp_port $port
  start=$(bench_now)
  /usr/bin/time -f "%U %S %M" -o "$bench_work/client.time" "$dist/bin/mproxy-client" --path "$input" \
    --server-addr 127.0.0.1:$port "$@" 2>"$bench_work/client.err"
  end=$(bench_now)
  bench_await_stable "$output" 30
  stats=$(bench_proc_stats $server)
  kill -TERM $server; wait $server || true
  received=$(bench_size "$output")
  cmp -s "$input" "$output" && exact=yes || exact=no
  # where the loss was: the server's exit summary (ring drops vs kernel drops)
  [ "$exact" = yes ] || grep -i "drop" "$bench_work/server.err" | tail -3 | sed "s/^/bench: server: /" >&2 || true
  row "$job" "mproxy-client -> server" "$variant" "$run" "$(echo "$end - $start" | bc -l)" \
    "$(lost_percent "$received")" \
    "$(awk -v s="$stats" '{split(s, a, " "); printf "%.2f", $1 + $2 + a[1]}' "$bench_work/client.time")" \
    "$(awk -v s="$stats" '{split(s, a, " "); print $3 + a[2]}' "$bench_work/client.time")" "$exact"
  [ "$exact" = yes ] && echo pass || echo fail
}

socat_run() {
  local run="$1" start end receiver stats received exact
  rm -f "$output"; sync; warm_input
  socat -u UDP-RECV:$port,rcvbuf=8388608 OPEN:"$output",creat,trunc &
  receiver=$!
  bench_await_udp_port $port
  start=$(bench_now)
  /usr/bin/time -f "%U %S %M" -o "$bench_work/socat.time" socat -u OPEN:"$input" UDP-SENDTO:127.0.0.1:$port
  end=$(bench_now)
  bench_await_stable "$output" 30
  stats=$(bench_proc_stats $receiver)
  kill -TERM $receiver; wait $receiver || true
  received=$(bench_size "$output")
  cmp -s "$input" "$output" && exact=yes || exact=no
  row 1 "socat -> socat" unpaced "$run" "$(echo "$end - $start" | bc -l)" "$(lost_percent "$received")" \
    "$(awk -v s="$stats" '{split(s, a, " "); printf "%.2f", $1 + $2 + a[1]}' "$bench_work/socat.time")" \
    "$(awk -v s="$stats" '{split(s, a, " "); print $3 + a[2]}' "$bench_work/socat.time")" "$exact"
}

# iperf3_run JOB VARIANT RUN RATE: iperf3 UDP paced at RATE bytes/s with our datagram size, memory to memory (it
# cannot check bytes: its loss is the lost-datagram percentage it reports), 8 MiB socket buffers as our server;
# prints "pass" or "fail". Its stderr (a warning about datagrams above the TCP MSS) stays out of the JSON.
iperf3_run() {
  local job="$1" variant="$2" run="$3" rate="$4" start end loss
  /usr/bin/time -f "%U %S %M" -o "$bench_work/iperf3-server.time" iperf3 -s -1 -p $port -B 127.0.0.1 \
    >"$bench_work/iperf3-server.out" 2>&1 &
  local server=$!
  for _ in $(seq 100); do ss -Hltn "sport = :$port" | grep -q . && break; sleep 0.05; done
  start=$(bench_now)
  /usr/bin/time -f "%U %S %M" -o "$bench_work/iperf3.time" iperf3 -c 127.0.0.1 -p $port -u -J -w 8M \
    -b "$((rate * 8))" -l "$default_datagram" -n "$size" >"$bench_work/iperf3.json" 2>"$bench_work/iperf3.err" || true
  end=$(bench_now)
  wait $server || true
  loss=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["end"]["sum"].get("lost_percent", 100))' \
    "$bench_work/iperf3.json" 2>/dev/null || echo 100)
  row "$job" "iperf3 (paced)" "$variant" "$run" "$(echo "$end - $start" | bc -l)" "$loss" \
    "$(awk '{c += $1 + $2} END {printf "%.2f", c}' "$bench_work/iperf3.time" "$bench_work/iperf3-server.time")" \
    "$(awk '{r += $3} END {print r}' "$bench_work/iperf3.time" "$bench_work/iperf3-server.time")" \
    "$(awk -v l="$loss" 'BEGIN { print (l == 0 ? "n/a" : "no") }')"
  awk -v l="$loss" 'BEGIN { print (l == 0 ? "pass" : "fail") }'
}

# search3 TOOL: the highest rate of $search passing 3 of 3 runs, one CSV row (job 2) with that rate as throughput.
search3() {
  local tool="$1" rate best=0 i result ok
  for rate in $search; do
    ok=1
    for ((i = 1; i <= 3 && ok; i++)); do
      if [ "$tool" = ours ]; then
        result=$(ours 2t "--rate $rate" "$i" --rate "$rate")
      else
        result=$(iperf3_run 2t "-b $rate" "$i" "$(bytes_per_second "$rate")")
      fi
      [ "$result" = pass ] || ok=0
    done
    [ "$ok" = 1 ] || break
    best=$(bytes_per_second "$rate")
  done
  local name="mproxy-client -> server"; [ "$tool" = ours ] || name="iperf3 (paced)"
  echo "bench: job 2 $name: highest rate lossless 3 of 3: $best B/s" >&2
  bench_csv 2 "$name" "lossless rate 3/3" 1 "$(echo "$best / 1000000" | bc)" MB/s 0 0 0
}

# table FILE TITLE: every row of this invocation, as Markdown.
table() {
  {
    echo "$2 ($(date -u '+%F %H:%M') UTC, $(nproc) cores)"
    echo
    echo "| job                        | variant        | run |     MB/s |   lost % | exact | CPU s | peak RSS KiB |"
    echo "|----------------------------|----------------|-----|----------|----------|-------|-------|--------------|"
    cat "$rows"
  } > "$1"
}

if [ -n "$search" ]; then
  search3 ours
  command -v iperf3 >/dev/null && search3 iperf3
  rm -f "$output"
  table "$bench_results/client-server-search.md" \
    "Job 2: lossless --rate search, $size bytes per run, through the dist launchers"
  exit 0
fi
for ((run = 1; run <= runs; run++)); do
  r=$((runs > 1 ? run : bench_run))
  ours 1 default "$r" >/dev/null
  command -v socat >/dev/null && socat_run "$r"
  command -v iperf3 >/dev/null && iperf3_run 1 "paced $((default_rate / 1000000))M" "$r" "$default_rate" >/dev/null
done
rm -f "$output"
table "$results" "File -> UDP -> file on 127.0.0.1, $size bytes, default flags, output in $out_dir"
