#!/usr/bin/env bash
# Benchmark: one multicast stream fanned out to 4 TCP clients.
#   mproxy-reverseproxy: one process joins the group and serves all 4 clients (--tcp-output-addr).
#   peer (socat):        4 socat processes, one per client, each joining the group and writing to its client
#                        (socat -u UDP4-RECV:...,ip-add-membership TCP-LISTEN:...): the closest thing socat does.
#   c-peer:              bench/tcp-fanout-peer.c, one C thread: recvmmsg from the group, one blocking writev of the
#                        batch to each client in turn (no slow-client policy): what the machine allows without a JVM.
# The sender is mproxy-client pacing a file onto the group at each RATE, in datagrams of up to 64 KiB (its default for
# a group pinned to a loopback interface; SENDER_ARGS="--max-datagram 8192" for the size it sends across a network,
# the default before 2026-11-21). The clients are the same for both tools: a
# small C client (bench/verify-client.c) reads 128 KiB at a time, as cat does, and checks every byte against the
# input in memory rather than writing it to a file: writing 200 MB to tmpfs took ~0.1 CPU-s per client, 0.4 of the
# ~1.3 CPU-s two cores have during a 300 MB/s stream, for both tools alike. Every line of the input is unique; a client
# whose bytes differ writes what it got to a file, and one with as many bytes but lines out of order is marked `r`
# (UDP may reorder), one with lines missing `x`, and the missing share is its loss. Prints MB/s per client (input size
# / time from the first byte reaching any client to this client's last byte, both stamped by the clients themselves),
# whether all 4 are exact, and the CPU seconds of the fan-out processes.
# The Java binaries run with the JVM flags of their launchers (bin/_launch, dist): Serial GC, C1 only.
# Runs itself inside a private network namespace (unshare -n, loopback with multicast on): nothing leaves the host.
# Usage: bench/reverseproxy-fanout.sh   (env: BENCH_MB=200, RATES="100M 200M 300M", CLIENTS=4,
#        DEADLINE_SLACK=15 s beyond input / 20 MB/s for the last byte, CLIENT_BLOCK=131072 bytes per client read,
#        TOOLS="mproxy-reverseproxy mproxy-rp-warm c-peer socat" to run some, WARM_MB=100,
#        REVERSEPROXY_JAR to measure another build of mproxy-reverseproxy, SENDER_ARGS added to the sender's)
# The table also goes to bench/results/reverseproxy-fanout.md.
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"
if [ -z "${MPROXY_BENCH_NETNS:-}" ]; then
  # Build and install the peer first, outside the namespace (Maven and apt may need the network).
  bench_build mproxy-client,mproxy-reverseproxy
  bench_need socat || exit 1
  bench_need gcc || exit 1
fi
bench_enter_netns "$@"
root=$bench_root
jvm=("${BENCH_JVM[@]}")
reverseproxy=("${BENCH_JVM[@]}" -jar "${REVERSEPROXY_JAR:-$root/mproxy-reverseproxy/target/mproxy-reverseproxy.jar}")
client=("${jvm[@]}" -jar "$root/mproxy-client/target/mproxy-client.jar")
block=${CLIENT_BLOCK:-131072}
results="$bench_results/reverseproxy-fanout.md"

mb=${BENCH_MB:-200}
warm_mb=${WARM_MB:-100}
tools=${TOOLS:-mproxy-reverseproxy mproxy-rp-warm c-peer socat}
rates=${RATES:-100M 200M 300M}
clients=${CLIENTS:-4}
group=239.77.0.1
gport=19900
work=$(mktemp -d /dev/shm/mproxy-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "${BENCH_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
verify=$work/verify-client
gcc -O2 -o "$verify" "$root/bench/verify-client.c"
peer=$work/tcp-fanout-peer
gcc -O2 -o "$peer" "$root/bench/tcp-fanout-peer.c"

# Every line unique (numbered in full, not in %g's 6 digits), more lines than needed and cut at the exact size (seq
# then ends on SIGPIPE, which is expected).
(seq -f "%012.0f telemetry line: the quick brown fox jumps over the lazy dog 0123456789" 1 $((mb * 1000000 / 80)) \
  || true) | head -c $((mb * 1000000)) > "$work/in"
size=$(stat -c %s "$work/in")

cpu_seconds() { # utime+stime of the given pids, in seconds
  local total=0 p
  for p in "$@"; do
    [ -r "/proc/$p/stat" ] && total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  awk -v t="$total" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }'
}

wait_port() { # waits until something listens on 127.0.0.1:$1 (without connecting: that would be a client too)
  for _ in $(seq 200); do [ -n "$(ss -Hltn "sport = :$1")" ] && return 0; sleep 0.05; done
  echo "bench: nothing listens on $1" >&2; return 1
}

# await_connected N: waits (bounded, 10 s) until the one-process fan-out has logged N client connections.
await_connected() {
  for _ in $(seq 200); do
    [ "$(grep -c 'client .*connected' "$work/fanout.err" || true)" -ge "$1" ] && return 0
    sleep 0.05
  done
}

# all_results: true once every client has written its result file.
all_results() {
  local i
  for ((i = 1; i <= clients; i++)); do [ -e "$work/result.$i" ] || return 1; done
}

# run TOOL RATE: starts the fan-out, connects the clients, sends, waits for every byte, prints one table row.
# TOOL mproxy-reverseproxy starts cold (the stream is the process's first traffic); mproxy-rp-warm first carries
# $WARM_MB MB of the input to 4 throwaway clients (TCP to /dev/null), so that the measured stream meets the code
# compiled, as a reverse proxy that has been running does.
run() {
  local tool=$1 rate=$2 fanout=() readers=() i port variant="$2/s per client" connected=0
  rm -f "$work"/out.* "$work"/result.*
  if [ "$tool" != socat ]; then
    if [ "$tool" != c-peer ]; then
      "${reverseproxy[@]}" --multicast-addr "$group:$gport" --multicast-interface lo \
        --tcp-output-addr 127.0.0.1:19901 --stats=0 ${REVERSEPROXY_ARGS:-} 2>"$work/fanout.err" &
    else
      "$peer" "$group" "$gport" 19901 "$clients" 2>"$work/fanout.err" &
    fi
    fanout=($!)
    wait_port 19901
    if [ "$tool" = mproxy-rp-warm ]; then
      local warm=() w
      for w in 1 2 3 4; do socat -u TCP:127.0.0.1:19901 OPEN:/dev/null & warm+=($!); done
      await_connected 4
      head -c $((warm_mb * 1000000)) "$work/in" > "$work/warm"
      "${client[@]}" --path "$work/warm" --server-addr "$group:$gport" --multicast-interface lo --rate 200M 2>/dev/null
      kill "${warm[@]}" 2>/dev/null || true; wait "${warm[@]}" 2>/dev/null || true
      connected=4 variant="$variant (warm)"
    fi
    # One process serves every client: connect the readers to the one port, and wait until it logged them all.
    for i in $(seq "$clients"); do
      "$verify" connect 19901 "$work/in" "$work/out.$i" "$work/result.$i" "$block" & readers+=($!)
    done
    await_connected $((connected + clients))
  else
    # Readers listen; each socat joins the group and connects to its reader. -b 65536: socat reads 8 KiB by default
    # and would truncate the sender's datagrams (64 KiB: mproxy-client's default for a group pinned to loopback).
    for i in $(seq "$clients"); do
      "$verify" listen "$((19910 + i))" "$work/in" "$work/out.$i" "$work/result.$i" "$block" & readers+=($!)
    done
    for _ in $(seq 200); do
      [ "$(ss -Hltn 'sport >= :19911 and sport <= :19999' | wc -l)" -ge "$clients" ] && break; sleep 0.05
    done
    for i in $(seq "$clients"); do
      socat -u -b 65536 "UDP4-RECV:$gport,ip-add-membership=$group:127.0.0.1,reuseaddr,rcvbuf=4194304" \
        "TCP:127.0.0.1:$((19910 + i))" & fanout+=($!)
    done
    for _ in $(seq 200); do
      [ "$(ss -Htn state established 'dport >= :19911 and dport <= :19999' | wc -l)" -ge "$clients" ] && break
      sleep 0.05
    done
  fi
  pids+=("${fanout[@]}" "${readers[@]}")
  local cpu0 t0 deadline
  cpu0=$(cpu_seconds "${fanout[@]}")
  t0=$(date +%s)
  /usr/bin/time -f "%U %S" -o "$work/sender.time" "${client[@]}" --path "$work/in" --server-addr "$group:$gport" \
    --multicast-interface lo --rate "$rate" ${SENDER_ARGS:-} 2>"$work/client.err" &
  local sender=$!
  pids+=($sender)
  deadline=$(awk -v t="$t0" -v s="$size" -v slack="${DEADLINE_SLACK:-15}" \
    'BEGIN { printf "%.0f", t + s / 20e6 + slack }')
  # Each client ends by itself once it has the input's size; the clients stamp their own first and last bytes, so
  # how often this loop looks changes nothing but when the row is printed.
  until all_results; do
    if [ "$(date +%s)" -gt "$deadline" ]; then # short clients: stop them, they say what they got
      kill -TERM "${readers[@]}" 2>/dev/null || true
      for _ in $(seq 100); do all_results && break; sleep 0.05; done
      break
    fi
    sleep 0.05
  done
  for _ in $(seq 100); do kill -0 "$sender" 2>/dev/null || break; sleep 0.05; done # its CPU time, once it exited
  local cpu1 row mbs drops readers_cpu=0 exact=yes first="" got=() at=() ok=() line
  cpu1=$(cpu_seconds "${fanout[@]}")
  for i in $(seq "$clients"); do
    read -r line < "$work/result.$i" 2>/dev/null || line="0 0 0 0 0"
    read -r got[i] line_first at[i] ok[i] line_cpu <<< "$line"
    readers_cpu=$(awk -v a="$readers_cpu" -v b="$line_cpu" 'BEGIN { printf "%.2f", a + b }')
    if [ "${got[i]}" -gt 0 ]; then
      [ -z "$first" ] || awk -v a="$line_first" -v b="$first" 'BEGIN { exit !(a < b) }' && first=$line_first
    fi
  done
  # Datagrams the kernel dropped because a group socket's receive buffer was full (all sockets on the port).
  drops=$(awk -v port="$(printf ':%04X' "$gport")" 'NR > 1 && index($2, port) { d += $13 } END { print d + 0 }' \
    /proc/net/udp)
  local label=$tool
  [ "$tool" = socat ] && label=socat-x$clients
  row=$(printf '%-20s %6s/s ' "$label" "$rate")
  sort "$work/in" > "$work/in.sorted"
  for i in $(seq "$clients"); do
    if [ "${ok[i]}" = 1 ]; then
      mbs=$(awk -v s="$size" -v a="$first" -v b="${at[i]}" 'BEGIN { printf "%.0f", s / (b - a) / 1e6 }')
    elif [ "${got[i]}" -eq "$size" ]; then
      # As many bytes as the input, not the same bytes. Every line there but out of order (r): UDP may reorder, and
      # loopback multicast does when the sender moves between CPUs (each CPU has its own backlog queue). Lines
      # missing (x): counted as loss below. Either way the speed of delivery is real, so it is reported.
      local mark=x
      sort "$work/out.$i" | cmp -s "$work/in.sorted" - && mark=r
      mbs=$(awk -v s="$size" -v a="$first" -v b="${at[i]}" -v m="$mark" \
        'BEGIN { printf "%.0f%s", s / (b - a) / 1e6, m }')
      if [ "$mark" = r ]; then [ "$exact" = yes ] && exact=reordered; else exact=no; fi
    else
      mbs="short(${got[i]})"; exact=no
    fi
    row+=$(printf ' %10s' "$mbs")
  done
  local cpu rss worst lost
  cpu=$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { printf "%.2f", b - a }')
  rss=$(bench_proc_stats "${fanout[@]}"); rss=${rss#* }
  row+=$(printf ' %10s %8s %12s' "$exact" "$cpu" "$drops")
  echo "$row"
  # CSV: the slowest client's MB/s, and the share of the input missing at the shortest client.
  worst=$(echo "$row" | awk '{m = ""; for (i = 3; i < 3 + c; i++) { v = $i; sub(/[rx]$/, "", v)
    if (v ~ /^[0-9]+$/ && (m == "" || v + 0 < m + 0)) m = v }; print (m == "" ? 0 : m)}' c="$clients")
  # Loss: the share of the input's lines missing at the worst client (its file sorted against the input's).
  lost=0
  for i in $(seq "$clients"); do
    [ "${ok[i]}" = 1 ] && continue
    lost=$(awk -v l="$lost" -v lines="$(wc -l < "$work/in.sorted")" \
      -v missing="$(sort "$work/out.$i" | comm -23 "$work/in.sorted" - | wc -l)" \
      'BEGIN { x = 100 * missing / lines; printf "%.4f", (x > l ? x : l) }')
  done
  bench_csv 5 "${label/-rp-warm/-reverseproxy}" "$variant" "$bench_run" "$worst" MB/s "$lost" "$cpu" "$rss"
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pids=()
  if [ "$tool" != c-peer ] && [ "$tool" != socat ]; then # where mproxy lost: the group socket, or slow clients
    sed -n 's/^total \(group\|tcp output\) /    \1 /p' "$work/fanout.err"
  fi
  # Where the rest of the machine went: the sender (until it exited) and the clients (the same for both tools).
  echo "    cpu(s): sender $(awk '{ printf "%.2f", $1 + $2 }' "$work/sender.time" 2>/dev/null)," \
    "clients $readers_cpu (all $clients)"
}

{
  echo "# multicast -> $clients TCP clients, $(date -u +%Y-%m-%d), $(nproc) cores," \
    "load average $(cut -d' ' -f1 /proc/loadavg)"
  echo "input: $size bytes; MB/s per client = input / (its last byte - first byte at any client)"
  header=$(printf '%-20s %8s ' tool rate)
  for i in $(seq "$clients"); do header+=$(printf ' %10s' "client$i MB/s"); done
  echo "$header      exact   cpu(s) kernel-drops"
  for rate in $rates; do
    for tool in $tools; do run "$tool" "$rate"; done
  done
} | tee "$results" >&2
