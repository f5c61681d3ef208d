#!/usr/bin/env bash
# UDP fan-out 1 -> 2 on loopback at 1400-byte datagrams: the highest paced rate each forwarder passes with zero loss.
#   mproxy-proxy (unicast in)  client -> proxy 127.0.0.1:9930 -> 127.0.0.1:9931 and 127.0.0.1:9932 (2 sends each)
#   mproxy-proxy (group in)    client -> group 239.255.0.1:9930 -> proxy -> the same two downstreams
#   C peer (unicast in)        client -> bench/fanout-peer.c 127.0.0.1:9930 -> the same two downstreams
#   2 x socat (group in)       client -> group 239.255.0.1:9930 -> two socat relays, one per downstream
# The C peer is samplicator's algorithm (samplicator is not in Debian's packages): one thread, a blocking recvfrom,
# then one send per downstream per datagram; it gets the proxy's receive buffer (32 MiB, forced past rmem_max as root,
# as the proxy does).
# socat cannot send one datagram to two destinations, so its fair fan-out is one relay per downstream fed by the
# kernel's multicast copy (the kernel does the copy; two processes share the work on two cores). The proxy is run
# both ways so the input path is no excuse.
# The sender is mproxy-client (raw framing, 1400-byte datagrams, smooth pacing) and the receivers are two
# mproxy-server processes writing to /dev/null, the same for every row. A trial sends N datagrams at a paced rate;
# it passes when both receivers counted all N. A bounded binary search (--steps) finds the highest passing paced
# target; the table shows the rate that really went out in that trial (N over the span of UDP sends seen in the
# namespace's /proc/net/snmp), which is lower when the sender cannot keep the target on a busy machine.
# Usage: bench/proxy-fanout.sh [--datagrams N] [--low RATE] [--high RATE] [--steps N]   (rates in datagrams/s)
#        env FANOUT_GROUP=0 skips the group-in row; FANOUT_JARS="LABEL=JAR ..." adds a unicast-in row per extra
#        mproxy-proxy jar (an A/B of two builds in one run, e.g. a copy of main's jar saved before a change);
#        PROXY_ARGS="--rcvbuf 8Mi" is added to every mproxy-proxy row's flags (an A/B of a setting, run by run).
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"
datagrams=200000; low=20000; high=300000; steps=6
while [ $# -gt 0 ]; do
  case "$1" in
    --datagrams) datagrams="$2"; shift 2 ;;
    --low) low="$2"; shift 2 ;;
    --high) high="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    *) echo "usage: $0 [--datagrams N] [--low RATE] [--high RATE] [--steps N]" >&2; exit 2 ;;
  esac
done
if [ -z "${MPROXY_BENCH_NETNS:-}" ]; then
  bench_build mproxy-client,mproxy-server,mproxy-proxy
  bench_need socat || true
  bench_need samplicator || true
  bench_need gcc || true
fi
bench_enter_netns --datagrams "$datagrams" --low "$low" --high "$high" --steps "$steps"
size=1400
input="$bench_work/fanout-input-$datagrams"
[ "$(bench_size "$input")" = "$((datagrams * size))" ] || head -c "$((datagrams * size))" /dev/urandom > "$input"
group=239.255.0.1
results="$bench_results/proxy-fanout.md"
jvm=("${BENCH_JVM[@]}")
peer=""
if command -v gcc >/dev/null; then
  peer="$bench_work/fanout-peer"
  gcc -O2 -o "$peer" "$bench_root/bench/fanout-peer.c"
fi
pids=()
rows=()

stop_all() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
trap stop_all EXIT

start_receivers() {
  local port
  for port in 9931 9932; do
    "${jvm[@]}" -jar "$bench_root/mproxy-server/target/mproxy-server.jar" --listen-addr 127.0.0.1:$port \
      --path /dev/null --stats 1 2>"$bench_work/receiver-$port.err" &
    pids+=($!)
    bench_await_udp_port $port
  done
}

# The datagrams a receiver has counted so far (its last stats line).
received() {
  local count
  count=$(grep -o "listener 127.0.0.1:$1: datagrams in [0-9]*" "$bench_work/receiver-$1.err" | tail -1 |
    awk '{print $NF}')
  echo "${count:-0}"
}

# Waits (bounded, 30 s) until both receivers' counts stop moving for two stats lines.
await_received() {
  local last="" now i
  for ((i = 0; i < 30; i++)); do
    sleep 1.1
    now="$(received 9931) $(received 9932)"
    [ "$now" = "$last" ] && return 0
    last="$now"
  done
}

# Samples the namespace's UDP OutDatagrams (sender and forwarder sends) every 20 ms while $1.run exists.
sample_sends() {
  while [ -e "$1.run" ]; do
    echo "$(bench_now) $(awk '/^Udp: [0-9]/ {print $5}' /proc/net/snmp)"
    sleep 0.02
  done > "$1"
}

# One trial: sends $datagrams at $1 datagrams/s to $2; prints "pass SENT_RATE" or "fail SENT_RATE LOST1 LOST2".
# SENT_RATE is what really went out: datagrams over the time from the first to the last UDP send in the namespace.
trial() {
  local rate="$1" to="$2" before1 before2 lost1 lost2 sent seconds samples="$bench_work/sends"
  before1=$(received 9931); before2=$(received 9932)
  touch "$samples.run"
  sample_sends "$samples" &
  local sampler=$!
  "${jvm[@]}" -jar "$bench_root/mproxy-client/target/mproxy-client.jar" --path "$input" --framing raw \
    --max-datagram $size --rate $((rate * size)) --server-addr "$to" 2>"$bench_work/sender.err"
  await_received
  rm -f "$samples.run"; wait $sampler || true
  lost1=$((datagrams - ($(received 9931) - before1)))
  lost2=$((datagrams - ($(received 9932) - before2)))
  seconds=$(awk 'NR == 1 {c0 = $2} $2 != c0 && !s {s = prev} $2 != last {e = $1} {prev = $1; last = $2}
    END {print (e > s ? e - s : 1)}' "$samples")
  sent=$(echo "$datagrams / $seconds" | bc)
  if [ "$lost1" = 0 ] && [ "$lost2" = 0 ]; then echo "pass $sent"; else echo "fail $sent $lost1 $lost2"; fi
}

# Bounded binary search for the highest rate with zero loss; one table row and one CSV row (CPU and peak RSS of the
# forwarder PIDS over the whole search).
search() {
  local job="$1" to="$2" forwarders="$3" lo="$low" hi="$high" mid result best=0 best_sent=0 note="" i
  result=$(trial "$lo" "$to")
  echo "bench: $job at $lo/s: $result" >&2
  if [ "${result%% *}" = pass ]; then
    best=$lo; best_sent=$(echo "$result" | awk '{print $2}')
    if [ "$hi" -gt "$lo" ]; then
      result=$(trial "$hi" "$to")
      echo "bench: $job at $hi/s: $result" >&2
    fi
    if [ "${result%% *}" = pass ]; then
      best=$hi; best_sent=$(echo "$result" | awk '{print $2}'); note=" passed too: raise --high"
    else
      for ((i = 0; i < steps; i++)); do
        mid=$(((lo + hi) / 2))
        result=$(trial "$mid" "$to")
        echo "bench: $job at $mid/s: $result" >&2
        if [ "${result%% *}" = pass ]; then
          lo=$mid; best=$mid; best_sent=$(echo "$result" | awk '{print $2}')
        else
          hi=$mid
        fi
      done
    fi
  else
    hi=$lo; note=" (the lower bound): lower --low"
  fi
  rows+=("$(printf '| %-26s | %9d | %9d | %9.1f | %9d%s |' "$job" "$best_sent" "$best" \
    "$(echo "$best_sent * $size / 1000000" | bc -l)" "$hi" "$note")")
  echo "${rows[-1]}" >&2
  local stats
  stats=$(bench_proc_stats $forwarders)
  bench_csv 3 "$job" "1400 B to 2" "$bench_run" "$best_sent" dgram/s 0 ${stats% *} ${stats#* }
}

# Runs one forwarder (the command after $1, its label, and $2, the address the sender sends to) for a search, then
# stops it.
forwarder_row() {
  local label="$1" to="$2"
  shift 2
  "$@" 2>"$bench_work/forwarder.err" &
  pids+=($!)
  bench_await_udp_port 9930
  search "$label" "$to" "${pids[-1]}"
  kill -TERM "${pids[-1]}"; wait "${pids[-1]}" || true; unset 'pids[-1]'
}

to_both=(--udp-downstream-addr 127.0.0.1:9931 --udp-downstream-addr 127.0.0.1:9932)
start_receivers
forwarder_row "mproxy-proxy (unicast in)" 127.0.0.1:9930 "${jvm[@]}" \
  -jar "$bench_root/mproxy-proxy/target/mproxy-proxy.jar" --udp-listen-addr 127.0.0.1:9930 "${to_both[@]}" \
  ${PROXY_ARGS:-}
for extra in ${FANOUT_JARS:-}; do
  forwarder_row "${extra%%=*}" 127.0.0.1:9930 "${jvm[@]}" -jar "${extra#*=}" --udp-listen-addr 127.0.0.1:9930 \
    "${to_both[@]}" ${PROXY_ARGS:-}
done
if [ -n "$peer" ]; then
  forwarder_row "C peer (unicast in)" 127.0.0.1:9930 "$peer" 127.0.0.1 9930 $((32 << 20)) 127.0.0.1:9931 \
    127.0.0.1:9932
else
  echo "bench: gcc is missing: the C peer's row is skipped" >&2
fi
if [ "${FANOUT_GROUP:-1}" = 1 ]; then
  forwarder_row "mproxy-proxy (group in)" $group:9930 "${jvm[@]}" \
    -jar "$bench_root/mproxy-proxy/target/mproxy-proxy.jar" --udp-listen-addr $group:9930 "${to_both[@]}" \
    ${PROXY_ARGS:-}
fi

if command -v socat >/dev/null; then
  for port in 9931 9932; do
    socat -u UDP-RECV:9930,reuseaddr,ip-add-membership=$group:127.0.0.1,rcvbuf=8388608 \
      UDP-SENDTO:127.0.0.1:$port,sndbuf=4194304 &
    pids+=($!)
  done
  bench_await_udp_port 9930
  search "2 x socat (group in)" $group:9930 "${pids[*]: -2}"
fi
stop_all
{
  echo "UDP fan-out 1 -> 2 downstreams on 127.0.0.1, $size-byte datagrams, $datagrams per trial, highest paced rate"
  echo "with zero loss at both receivers (search $low..$high/s, $steps halvings; $(date -u +%F), $(nproc) cores)"
  echo
  echo "| forwarder                  | lossless datagrams/s (measured) | paced target/s | MB/s to each downstream \
| first failing target/s |"
  echo "|----------------------------|-----------|-----------|-----------|-----------|"
  printf '%s\n' "${rows[@]}"
} > "$results"
