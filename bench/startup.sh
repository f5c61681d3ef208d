#!/usr/bin/env bash
# Job 6: start-to-exit of `--version` and idle RSS of every binary through the dist launchers (the jlink bundle),
# with a JDK hello world (the build JDK, default flags) as the same-run reference. Timing by hyperfine when installed
# (else a bounded loop of $RUNS runs); idle RSS = VmRSS one second after each binary is up with a minimal
# configuration on loopback.
# Usage: bench/startup.sh   (env: RUNS=20 per hyperfine measurement, WARMUP=3, IDLE_WAIT=1 s).
# Rows go to $MPROXY_BENCH_CSV (see lib.sh).
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"
if [ -z "${MPROXY_BENCH_NETNS:-}" ]; then
  bench_bundle > /dev/null
  bench_need hyperfine || true
fi
bench_enter_netns "$@"
runs=${RUNS:-20}
dist="$bench_work/dist"
bench_unpack_bundle "$dist"
mkdir -p "$bench_work/hello"
printf 'public class Hello { public static void main(String[] a) { System.out.println("hello"); } }\n' \
  > "$bench_work/hello/Hello.java"
"$JAVA_HOME/bin/javac" -d "$bench_work/hello" "$bench_work/hello/Hello.java"

# timing NAME COMMAND: median wall milliseconds of RUNS runs (hyperfine, 3 warm-ups; or a bounded loop).
timing() {
  local name="$1" command="$2"
  if command -v hyperfine >/dev/null; then
    hyperfine -N --warmup "${WARMUP:-3}" --runs "$runs" --export-json "$bench_work/hf.json" "$command" >/dev/null 2>&1
    python3 -c 'import json,sys; print("%.1f" % (json.load(open(sys.argv[1]))["results"][0]["median"] * 1000))' \
      "$bench_work/hf.json"
  else
    local i t0 t1 all=()
    for ((i = 0; i < runs; i++)); do
      t0=$(bench_now); $command >/dev/null 2>&1; t1=$(bench_now)
      all+=("$(echo "($t1 - $t0) * 1000" | bc -l)")
    done
    printf '%s\n' "${all[@]}" | sort -n | awk '{a[NR] = $1} END {printf "%.1f\n", a[int((NR + 1) / 2)]}'
  fi
}

# idle_rss ARGS...: starts the command, waits one second after it is up, prints "RSS_KB CPU_S". Up: its INFO line
# (listening, sending, connected) or, for the client, which logs nothing when it starts, its first socket.
idle_rss() {
  local pid stats
  "$@" </dev/null >/dev/null 2>"$bench_work/idle.err" &
  pid=$!
  for _ in $(seq 100); do
    grep -q "listening on\|sending to\|connected" "$bench_work/idle.err" && break
    [ "$(basename "$1")" = mproxy-client ] && ls -l "/proc/$pid/fd" 2>/dev/null | grep -q 'socket:' && break
    sleep 0.05
  done
  sleep "${IDLE_WAIT:-1}"
  stats=$(bench_proc_stats $pid)
  echo "$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status") ${stats% *}"
  kill -TERM $pid
  for _ in $(seq 50); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
  kill -KILL $pid 2>/dev/null && echo "bench: $1 did not exit within 5 s of SIGTERM" >&2
  wait $pid 2>/dev/null || true
}

# The idle client reads a FIFO that this script holds open (read-write, so nobody blocks) and never writes.
rm -f "$bench_work/idle.fifo"; mkfifo "$bench_work/idle.fifo"
exec 7<>"$bench_work/idle.fifo"

declare -A idle_args=(
  [mproxy-client]="--path $bench_work/idle.fifo --server-addr 127.0.0.1:19608"
  [mproxy-server]="--listen-addr 127.0.0.1:19600 --path /dev/null"
  [mproxy-proxy]="--udp-listen-addr 127.0.0.1:19601 --udp-downstream-addr 127.0.0.1:19602"
  [mproxy-reverseproxy]="--multicast-addr 239.77.2.1:19603 --multicast-interface lo --tcp-output-addr 127.0.0.1:19604"
  [relay]="127.0.0.1:19605 tcp@127.0.0.1:19606 tcp@127.0.0.1:19607 --set spill_dir=$bench_work/idle-spill"
)
rows=()
for binary in mproxy-client mproxy-server mproxy-proxy mproxy-reverseproxy relay; do
  ms=$(timing "$binary" "$dist/bin/$binary --version")
  read -r rss cpu < <(idle_rss "$dist/bin/$binary" ${idle_args[$binary]})
  bench_csv 6 "$binary" "--version" "$bench_run" "$ms" ms 0 "$cpu" "$rss"
  rows+=("$(printf '| %-20s | %8s | %10s |' "$binary" "$ms" "$((rss / 1024))")")
done
ms=$(timing hello "$JAVA -cp $bench_work/hello Hello")
rss=$(/usr/bin/time -f %M "$JAVA" -cp "$bench_work/hello" Hello 2>&1 >/dev/null | tail -1)
bench_csv 6 "JDK hello world" "main()" "$bench_run" "$ms" ms 0 0 "$rss"
rows+=("$(printf '| %-20s | %8s | %10s |' "JDK hello world" "$ms" "$((rss / 1024)) (peak)")")
{
  echo "Start-to-exit of --version (median of $runs) and idle RSS through the dist launchers ($(date -u +%F))"
  echo
  echo "| binary               | ms       | idle MiB   |"
  echo "|----------------------|----------|------------|"
  printf '%s\n' "${rows[@]}"
} | tee "$bench_results/startup.md" >&2
