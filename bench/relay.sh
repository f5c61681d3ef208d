#!/usr/bin/env bash
# Job 4: UDP -> TCP. relay (also with UDP GRO off) and mproxy-reverseproxy --tcp-downstream-addr, with two peers in
# the same run: the C event relay (bench/udp-tcp-peer.c: one thread, recvmmsg and one blocking writev per batch) and
# socat. For 100 B and
# 1400 B packets it searches (bounded: at most 9 trials per tool and size) for the highest paced send rate that
# arrives with zero loss, each trial sending for TRIAL_SECONDS. Runs itself in a private network namespace
# (loopback only). The C helper (paced, segmented sender; counting TCP sink) and the C peer are compiled into
# bench/work/.
# Usage: bench/relay.sh   Environment: TRIAL_SECONDS (default 1), SIZES (default "100 1400"), MAX_TRIALS (9),
#        START_RATE (pkt/s; 200000 at 100 B, 100000 at 1400 B), TOOLS="relay relay-no-gro mproxy-reverseproxy c-peer
#        socat" to run some (the others report 0), RELAY_ARGS and REVERSEPROXY_ARGS added to our two binaries' command
#        lines (an A/B of a setting: RELAY_ARGS="--set rcvbuf=32Mi").
set -euo pipefail
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib.sh"
if [ -z "${MPROXY_BENCH_NETNS:-}" ]; then
  bench_build relay,mproxy-reverseproxy
  bench_need socat || true
  bench_need gcc || exit 1
fi
bench_enter_netns "$@"
cd "$bench_root"
work="$bench_work"
gcc -O2 -pthread -o "$work/relay-helper" bench/relay-helper.c
gcc -O2 -o "$work/udp-tcp-peer" bench/udp-tcp-peer.c
jar=relay/target/mproxy-relay.jar
rproxy_jar=mproxy-reverseproxy/target/mproxy-reverseproxy.jar
trial_seconds=${TRIAL_SECONDS:-1}
sizes=${SIZES:-100 1400}
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
# 'relay' runs with default settings (length framing: 4 bytes more per packet at the sink).
trap cleanup EXIT

count() { cat "$1" 2>/dev/null || echo 0; }

# Waits until the sink's byte count has not moved for 0.5 s (at most 10 s) and prints it.
settled() {
  local file=$1 last=-1 same=0 now
  for _ in $(seq 1 200); do
    now=$(count "$file")
    if [ "$now" = "$last" ]; then same=$((same + 1)); [ $same -ge 10 ] && break; else same=0; fi
    last=$now
    sleep 0.05
  done
  echo "$last"
}

# trial PORT SIZE PPS OVERHEAD COUNTFILE [SECONDS] -> prints "LOST ACHIEVED_PKT_PER_S"
trial() {
  local port=$1 size=$2 pps=$3 overhead=$4 file=$5 length=${6:-$trial_seconds}
  local before after sent seconds
  before=$(settled "$file")
  read -r sent seconds < <("$work/relay-helper" send 127.0.0.1 "$port" "$size" "$pps" "$length")
  after=$(settled "$file")
  echo "$(( sent - (after - before) / (size + overhead) )) $(echo "$sent / $seconds" | bc)"
}

# search NAME PORT SIZE OVERHEAD COUNTFILE START -> prints the best lossless rate actually sent (pkt/s). Doubles from
# START until a trial loses, then bisects; stops early when the sender itself cannot reach the target (< 90 %).
search() {
  local name=$1 port=$2 size=$3 overhead=$4 file=$5 rate=$6 good=0 bad=0 lost achieved best=0
  # Warm-up: connection set-up, and the JIT (C2, for the relay, was still compiling through the first trials after a
  # 20 000-packet warm-up, on the cores the trials need). 3 s at the start rate, so the trials measure a running
  # forwarder, as a daemon is.
  trial "$port" "$size" "$rate" "$overhead" "$file" 3 >/dev/null
  for _ in $(seq 1 "${MAX_TRIALS:-9}"); do
    read -r lost achieved < <(trial "$port" "$size" "$rate" "$overhead" "$file")
    echo "  $name ${size} B: target $rate pkt/s, sent $achieved pkt/s -> lost $lost" >&2
    if [ "$lost" -eq 0 ]; then
      good=$rate; [ "$achieved" -gt "$best" ] && best=$achieved
      if [ $((achieved * 10)) -lt $((rate * 9)) ]; then
        echo "  $name ${size} B: the sender's limit ($achieved pkt/s), not the forwarder's" >&2
        break
      fi
    else
      bad=$rate
    fi
    if [ "$bad" -eq 0 ]; then rate=$((rate * 2)); else rate=$(( (good + bad) / 2 )); fi
    [ "$bad" -gt 0 ] && [ $(( bad - good )) -le $(( bad / 20 )) ] && break
  done
  echo "$best"
}

# run_forwarder NAME SIZE START OVERHEAD COMMAND...: starts the sinks and the forwarder (listening on 127.0.0.1:19100,
# delivering to the sink on 19101) and prints its best lossless rate; appends a job 4 CSV row.
run_forwarder() {
  local name=$1 size=$2 start=$3 overhead=$4 rate fwd stats; shift 4
  case " ${TOOLS:-relay relay-no-gro mproxy-reverseproxy c-peer socat} " in
    *" $name "*) ;;
    *) echo 0; return ;;
  esac
  rm -rf "$work/spill" "$work/sink.count"
  "$work/relay-helper" sink 19101 "$work/sink.count" & pids+=($!)
  "$work/relay-helper" sink 19102 "$work/fallback.count" & pids+=($!)
  sleep 0.2
  "$@" 2>"$work/$name.err" & fwd=$!; pids+=($fwd)
  bench_await_udp_port 19100 >/dev/null
  for _ in $(seq 1 100); do ss -Htn state established "dport = :19101" | grep -q . && break; sleep 0.05; done
  rate=$(search "$name" 19100 "$size" "$overhead" "$work/sink.count" "$start")
  stats=$(bench_proc_stats $fwd)
  kill "$fwd"; wait "$fwd" || true
  kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; pids=()
  bench_csv 4 "$name" "$size B" "$bench_run" "$rate" pkt/s 0 ${stats% *} ${stats#* }
  echo "$rate"
}

mbs() { echo "$1 * $2 / 1000000" | bc -l; }
results=()
for size in $sizes; do
  start=${START_RATE:-$([ "$size" -le 200 ] && echo 200000 || echo 100000)}
  # shellcheck disable=SC2086 # RELAY_ARGS and REVERSEPROXY_ARGS hold several arguments
  relay_rate=$(run_forwarder relay "$size" "$start" 4 "${BENCH_JVM_RELAY[@]}" -jar "$jar" --set "spill_dir=$work/spill" \
    ${RELAY_ARGS:-} 127.0.0.1:19100 tcp@127.0.0.1:19102 tcp@127.0.0.1:19101)
  # the same relay taking every datagram as its own message (UDP GRO off): what a sender the kernel cannot
  # coalesce for gets, and what GRO buys, in the same run
  nogro_rate=$(run_forwarder relay-no-gro "$size" "$start" 4 "${BENCH_JVM_RELAY[@]}" -Dmproxy.relay.gro=false \
    -jar "$jar" --set "spill_dir=$work/spill" ${RELAY_ARGS:-} 127.0.0.1:19100 tcp@127.0.0.1:19102 tcp@127.0.0.1:19101)
  rproxy_rate=$(run_forwarder mproxy-reverseproxy "$size" "$start" 0 "${BENCH_JVM[@]}" -jar "$rproxy_jar" \
    --udp-listen-addr 127.0.0.1:19100 --multicast-addr 239.77.1.1:19120 --multicast-interface lo \
    --tcp-downstream-addr 127.0.0.1:19101 --stats=0 ${REVERSEPROXY_ARGS:-})
  peer_rate=$(run_forwarder c-peer "$size" "$start" 0 "$work/udp-tcp-peer" 19100 19101)
  socat_rate=0
  if command -v socat >/dev/null; then
    socat_rate=$(run_forwarder socat "$size" "$start" 0 socat -u -b 65536 UDP-RECV:19100,rcvbuf=8388608 \
      TCP:127.0.0.1:19101)
  fi
  results+=("$(printf '| %s B | %s (%.1f MB/s) | %s (%.1f MB/s) | %s (%.1f MB/s) | %s (%.1f MB/s) | %s (%.1f MB/s) |' \
    "$size" "$relay_rate" "$(mbs "$relay_rate" "$size")" "$nogro_rate" "$(mbs "$nogro_rate" "$size")" "$rproxy_rate" "$(mbs "$rproxy_rate" "$size")" \
    "$peer_rate" "$(mbs "$peer_rate" "$size")" "$socat_rate" "$(mbs "$socat_rate" "$size")")")
done
{
  echo "UDP -> TCP, highest lossless paced rate in pkt/s (trials of ${trial_seconds} s, $(nproc) cores, $(date -u +%F)):"
  echo "| packet | relay | relay, UDP GRO off | mproxy-reverseproxy --tcp-downstream-addr | C event relay | socat |"
  echo "|---|---|---|---|---|---|"
  printf '%s\n' "${results[@]}"
} | tee "$bench_results/udp-tcp.md" >&2
