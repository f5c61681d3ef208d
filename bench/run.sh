#!/usr/bin/env bash
# The benchmark suite: every job of the performance issue, ours against a peer in the same run.
#   1  file -> UDP -> file, default flags: mproxy-client -> mproxy-server vs socat -> socat and iperf3 paced at our rate
#   2  the highest --rate (and iperf3 -b) with zero loss in 3 of 3 runs of job 1
#   3  UDP fan-out 1 -> 2 downstreams, 1400 B: mproxy-proxy vs two socat (samplicator when the OS has it)
#   4  UDP -> TCP at 100 B and 1400 B: relay and mproxy-reverseproxy --tcp-downstream-addr vs socat
#   5  multicast -> 4 TCP clients: mproxy-reverseproxy vs 4 socat
#   6  start-to-exit of --version and idle RSS through the dist launchers, a JDK hello world as reference
# Jobs 1, 3, 4, 5 and 6 run 3 times (interleaved, so a load change hits every tool alike); the table shows the median
# with min–max. Every job runs in its own network namespace (unshare -n) and is bounded in count and time.
# Writes bench/results/results.csv, results.md and results.svg, and prints the table.
# Usage: bench/run.sh [--smoke] [--runs N]
#   --smoke: tiny sizes and one run (well under a minute); exits 1 when a job produced no sane row of ours
#            (loss only warns there).
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
. "$here/lib.sh"
smoke=0; runs=3
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) smoke=1; runs=1; shift ;;
    --runs) runs="$2"; shift 2 ;;
    *) echo "usage: $0 [--smoke] [--runs N]" >&2; exit 2 ;;
  esac
done
results="$bench_results"
if [ "$smoke" = 1 ]; then results="$bench_work/smoke"; fi
mkdir -p "$results"
export MPROXY_BENCH_RESULTS="$results" MPROXY_BENCH_CSV="$results/results.csv"
echo "job,tool,variant,run,throughput,unit,loss,cpu_s,peak_rss_kb" > "$MPROXY_BENCH_CSV"

# Peers and builds once, outside the namespaces (apt and Maven may need the network).
for peer in socat iperf3 hyperfine gcc; do bench_need "$peer" || true; done
if ! bench_need samplicator; then
  echo "bench: job 3 compares with two socat relays instead (samplicator is not in this OS's packages)" >&2
fi
bench_build mproxy-client,mproxy-server,mproxy-proxy,mproxy-reverseproxy,relay

started=$(date +%s)
job() { # NAME SCRIPT ARGS...: runs one job script; a failing job is reported and the suite goes on
  local name="$1"; shift
  echo "bench: job $name ($(($(date +%s) - started)) s)" >&2
  "$@" >/dev/null || echo "bench: job $name failed (exit $?)" >&2
}

if [ "$smoke" = 1 ]; then
  job 1 "$here/client-server.sh" --size $((16 << 20)) --runs 1
  job 2 "$here/client-server.sh" --size $((16 << 20)) --search "100M"
  FANOUT_GROUP=0 job 3 "$here/proxy-fanout.sh" --datagrams 5000 --low 20000 --high 20000 --steps 0
  START_RATE=20000 MAX_TRIALS=1 TRIAL_SECONDS=0.2 SIZES=100 job 4 "$here/relay.sh"
  # The wait ends as soon as every client has everything: a generous bound costs nothing when all is well, and a
  # loaded CI machine (two cold JVMs, four readers) must not turn a slow start into a zero row.
  BENCH_MB=8 RATES=100M DEADLINE_SLACK=30 job 5 "$here/reverseproxy-fanout.sh"
  RUNS=2 WARMUP=1 IDLE_WAIT=0.3 job 6 "$here/startup.sh"
else
  for ((run = 1; run <= runs; run++)); do
    export MPROXY_BENCH_RUN=$run
    job 1 "$here/client-server.sh" --size $((1 << 30)) --runs 1
    job 3 "$here/proxy-fanout.sh" --datagrams 60000 --low 20000 --high 400000 --steps 5
    job 4 "$here/relay.sh"
    RATES="300M 350M 400M" job 5 "$here/reverseproxy-fanout.sh"
    job 6 "$here/startup.sh"
  done
  MPROXY_BENCH_RUN=1 job 2 "$here/client-server.sh" --size $((1 << 30)) --search "250M 300M 400M 500M 600M 800M 1000M"
fi
echo "bench: done in $(($(date +%s) - started)) s ($(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg))" >&2
echo
python3 "$here/report.py" "$MPROXY_BENCH_CSV" "$results" $([ "$smoke" = 1 ] && echo --smoke)
