#!/usr/bin/env bash
# Benchmark: UDP -> relay -> TCP sink, and socat doing UDP -> TCP as the peer, in the same run. For 100 B and
# 1400 B packets it searches (bounded: at most 9 trials per tool and size) for the highest paced send rate that
# arrives with zero loss, each trial sending for TRIAL_SECONDS. Runs itself in a private network namespace
# (loopback only). The C helper (paced sendmmsg sender, counting TCP sink) is compiled into bench/work/.
# Usage: bench/relay.sh        Environment: TRIAL_SECONDS (default 1), SIZES (default "100 1400").
set -euo pipefail
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib.sh"
bench_enter_netns "$@"
cd "$bench_root"
work="$bench_work"
bench_need socat
bench_need gcc
gcc -O2 -pthread -o "$work/relay-helper" bench/relay-helper.c
jar=relay/target/mproxy-relay.jar
if [ ! -f "$jar" ] || [ -n "$(find relay/src/main mproxy-common/src/main -newer "$jar" -print -quit)" ]; then
  mvn -B -q -DskipTests package -pl relay -am >&2
fi
trial_seconds=${TRIAL_SECONDS:-1}
sizes=${SIZES:-100 1400}
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
# Results: 'relay' is this module's binary with default settings (length framing, 4 bytes more per packet).
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

# trial PORT SIZE PPS OVERHEAD COUNTFILE -> prints "lost"
trial() {
  local port=$1 size=$2 pps=$3 overhead=$4 file=$5
  local before after sent
  before=$(settled "$file")
  sent=$("$work/relay-helper" send 127.0.0.1 "$port" "$size" "$pps" "$trial_seconds")
  after=$(settled "$file")
  echo $(( sent - (after - before) / (size + overhead) ))
}

# search NAME PORT SIZE OVERHEAD COUNTFILE START -> prints the best lossless rate
search() {
  local name=$1 port=$2 size=$3 overhead=$4 file=$5 rate=$6 good=0 bad=0 lost
  trial "$port" "$size" 20000 "$overhead" "$file" >/dev/null   # warm-up (JIT) and connection set-up
  for _ in $(seq 1 9); do
    lost=$(trial "$port" "$size" "$rate" "$overhead" "$file")
    echo "  $name ${size} B: $rate pkt/s -> lost $lost" >&2
    if [ "$lost" -eq 0 ]; then good=$rate; else bad=$rate; fi
    if [ "$bad" -eq 0 ]; then rate=$((rate * 2)); else rate=$(( (good + bad) / 2 )); fi
    [ "$bad" -gt 0 ] && [ $(( bad - good )) -le $(( bad / 20 )) ] && break
  done
  echo "$good"
}

# run_relay NAME SIZE START JAVA_OPTS... -> prints the best lossless rate of one relay configuration
run_relay() {
  local name=$1 size=$2 start=$3 rate relay; shift 3
  rm -rf "$work/spill"
  "$work/relay-helper" sink 19101 "$work/relay.count" & pids+=($!)
  "$work/relay-helper" sink 19102 "$work/fallback.count" & pids+=($!)
  sleep 0.2
  "$JAVA" -XX:+UseSerialGC --enable-native-access=ALL-UNNAMED \
    "$@" -jar "$jar" --set "spill_dir=$work/spill" 127.0.0.1:19100 tcp@127.0.0.1:19102 tcp@127.0.0.1:19101 \
    2>"$work/$name.err" & relay=$!; pids+=($relay)
  for _ in $(seq 1 100); do grep -q "listening on" "$work/$name.err" && break; sleep 0.1; done
  rate=$(search "$name" 19100 "$size" 4 "$work/relay.count" "$start")
  kill "$relay"; wait "$relay" || true
  kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; pids=()
  echo "$rate"
}

mbs() { echo "$1 * $2 / 1000000" | bc -l; }

results=()
for size in $sizes; do
  start=$([ "$size" -le 200 ] && echo 200000 || echo 100000)
  relay_rate=$(run_relay relay "$size" "$start")
  single_rate=$(run_relay relay-recv1 "$size" "$start" -Dmproxy.relay.recvmmsg=false)
  "$work/relay-helper" sink 19111 "$work/socat.count" & pids+=($!)
  sleep 0.2
  socat -u -b 65536 UDP-RECV:19110,rcvbuf=8388608 TCP:127.0.0.1:19111 & pids+=($!)
  sleep 0.3
  socat_rate=$(search socat 19110 "$size" 0 "$work/socat.count" "$start")
  kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; pids=()
  results+=("$(printf '| %s B | %s (%.1f MB/s) | %s (%.1f MB/s) | %s (%.1f MB/s) |' "$size" \
    "$relay_rate" "$(mbs "$relay_rate" "$size")" "$single_rate" "$(mbs "$single_rate" "$size")" \
    "$socat_rate" "$(mbs "$socat_rate" "$size")")")
done
echo "UDP -> TCP, highest lossless paced rate in pkt/s (trials of ${trial_seconds} s, $(nproc) cores):"
echo "| packet | relay (recvmmsg) | relay (one recv per datagram) | socat |"
echo "|---|---|---|---|"
printf '%s\n' "${results[@]}"
