#!/usr/bin/env bash
# Benchmark: one multicast stream fanned out to 4 TCP clients.
#   mproxy-reverseproxy: one process joins the group and serves all 4 clients (--tcp-output-addr).
#   peer (socat):        4 socat processes, one per client, each joining the group and writing to its client
#                        (socat -u UDP4-RECV:...,ip-add-membership TCP-LISTEN:...): the closest thing socat does.
# The sender is mproxy-client pacing a file onto the group at each RATE; every client (the same for both tools: socat
# -u TCP -> file, reading 128 KiB at a time as cat does) writes what it gets to a file in /dev/shm, and each file must
# be byte-exact with the input (every line of the input is unique: a client with as many bytes but lines out of order
# is marked `r`, since UDP may reorder; one with lines missing `x`, and the missing share is its loss). Prints MB/s per
# client (input size / time from the first byte reaching any client to this client's last byte), whether all 4 are
# exact, and the CPU seconds of the fan-out processes. The first byte is watched for with shell built-ins every 2 ms;
# a client's last byte is its file's modification time, so neither depends on how often the script looks.
# The Java binaries run with the JVM flags of their launchers (bin/_launch, dist): Serial GC, the client C1 only.
# Runs itself inside a private network namespace (unshare -n, loopback with multicast on): nothing leaves the host.
# Usage: bench/reverseproxy-fanout.sh   (env: BENCH_MB=200, RATES="100M 200M 300M", CLIENTS=4,
#        DEADLINE_SLACK=15 s beyond input / 20 MB/s for the last byte, CLIENT_BLOCK=131072 bytes per client read,
#        REVERSEPROXY_JAR to measure another build of mproxy-reverseproxy)
# The table also goes to bench/results/reverseproxy-fanout.md.
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"
if [ -z "${MPROXY_BENCH_NETNS:-}" ]; then
  # Build and install the peer first, outside the namespace (Maven and apt may need the network).
  bench_build mproxy-client,mproxy-reverseproxy
  bench_need socat || exit 1
fi
bench_enter_netns "$@"
root=$bench_root
jvm=("${BENCH_JVM[@]}")
reverseproxy=("${BENCH_JVM_C2[@]}" -jar "${REVERSEPROXY_JAR:-$root/mproxy-reverseproxy/target/mproxy-reverseproxy.jar}")
client=("${jvm[@]}" -jar "$root/mproxy-client/target/mproxy-client.jar")
block=${CLIENT_BLOCK:-131072}
results="$bench_results/reverseproxy-fanout.md"

mb=${BENCH_MB:-200}
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
# Never ready: reading it with a timeout is a sleep without starting a process.
exec {nap}<> <(:)

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

# run TOOL RATE: starts the fan-out, connects the clients, sends, waits for every byte, prints one table row.
run() {
  local tool=$1 rate=$2 fanout=() readers=() i port
  rm -f "$work"/out.* "$work"/ready.*
  if [ "$tool" = mproxy-reverseproxy ]; then
    "${reverseproxy[@]}" --multicast-addr "$group:$gport" --multicast-interface lo \
      --tcp-output-addr 127.0.0.1:19901 --stats=0 2>"$work/rp.err" &
    fanout=($!)
    wait_port 19901
    # The reverse proxy counts connections itself: connect the readers to the one port.
    for i in $(seq "$clients"); do
      socat -u -b "$block" TCP:127.0.0.1:19901 "OPEN:$work/out.$i,creat,trunc" & readers+=($!)
    done
    for _ in $(seq 200); do
      [ "$(grep -c 'tcp output client .* connected' "$work/rp.err" || true)" -ge "$clients" ] && break; sleep 0.05
    done
  else
    # Readers listen; each socat joins the group and connects to its reader.
    for i in $(seq "$clients"); do
      socat -u -b "$block" "TCP-LISTEN:$((19910 + i)),reuseaddr" "OPEN:$work/out.$i,creat,trunc" & readers+=($!)
    done
    for _ in $(seq 200); do
      [ "$(ss -Hltn 'sport >= :19911 and sport <= :19999' | wc -l)" -ge "$clients" ] && break; sleep 0.05
    done
    for i in $(seq "$clients"); do
      socat -u "UDP4-RECV:$gport,ip-add-membership=$group:127.0.0.1,reuseaddr,rcvbuf=4194304" \
        "TCP:127.0.0.1:$((19910 + i))" & fanout+=($!)
    done
    for _ in $(seq 200); do
      [ "$(ss -Htn state established 'dport >= :19911 and dport <= :19999' | wc -l)" -ge "$clients" ] && break
      sleep 0.05
    done
  fi
  pids+=("${fanout[@]}" "${readers[@]}")
  local cpu0 t0 first="" deadline done_at=() n exact=yes outs=() bytes
  for i in $(seq "$clients"); do outs+=("$work/out.$i"); done
  cpu0=$(cpu_seconds "${fanout[@]}")
  t0=$(date +%s.%N)
  /usr/bin/time -f "%U %S" -o "$work/sender.time" "${client[@]}" --path "$work/in" --server-addr "$group:$gport" \
    --multicast-interface lo --rate "$rate" 2>"$work/client.err" &
  local sender=$!
  pids+=($sender)
  deadline=$(awk -v t="$t0" -v s="$size" -v slack="${DEADLINE_SLACK:-15}" \
    'BEGIN { printf "%.0f", (t + s / 20e6 + slack) * 1e6 }')
  # The first byte: built-in tests only (no process started), 2 ms apart (a read that times out is the sleep).
  until [ -n "$first" ]; do
    for ((i = 1; i <= clients; i++)); do [ -s "$work/out.$i" ] && first=$EPOCHREALTIME && break; done
    [ "${EPOCHREALTIME/./}" -gt "$deadline" ] && break
    read -r -t 0.002 -u "$nap" || true
  done
  # The last bytes: one stat for all clients every 20 ms; then each file's modification time is its last write.
  while :; do
    n=0
    while read -r bytes; do [ "$bytes" -ge "$size" ] && n=$((n + 1)); done < <(stat -c %s "${outs[@]}" 2>/dev/null)
    [ "$n" -eq "$clients" ] && break
    [ "${EPOCHREALTIME/./}" -gt "$deadline" ] && break
    read -r -t 0.02 -u "$nap" || true
  done
  for i in $(seq "$clients"); do
    [ "$(stat -c %s "$work/out.$i" 2>/dev/null || echo 0)" -ge "$size" ] && done_at[$i]=$(stat -c %.9Y "$work/out.$i")
  done
  for _ in $(seq 100); do kill -0 "$sender" 2>/dev/null || break; sleep 0.05; done # its CPU time, once it exited
  local cpu1 row mbs drops readers_cpu
  cpu1=$(cpu_seconds "${fanout[@]}")
  readers_cpu=$(cpu_seconds "${readers[@]}")
  # Datagrams the kernel dropped because a group socket's receive buffer was full (all sockets on the port).
  drops=$(awk -v port="$(printf ':%04X' "$gport")" 'NR > 1 && index($2, port) { d += $13 } END { print d + 0 }' \
    /proc/net/udp)
  row=$(printf '%-20s %6s/s ' "$tool" "$rate")
  sort "$work/in" > "$work/in.sorted"
  for i in $(seq "$clients"); do
    if [ -n "${done_at[$i]:-}" ] && cmp -s "$work/in" "$work/out.$i"; then
      mbs=$(awk -v s="$size" -v a="$first" -v b="${done_at[$i]}" 'BEGIN { printf "%.0f", s / (b - a) / 1e6 }')
    elif [ -n "${done_at[$i]:-}" ]; then
      # As many bytes as the input, not the same bytes. Every line there but out of order (r): UDP may reorder, and
      # loopback multicast does when the sender moves between CPUs (each CPU has its own backlog queue). Lines
      # missing (x): counted as loss below. Either way the speed of delivery is real, so it is reported.
      local mark=x
      sort "$work/out.$i" | cmp -s "$work/in.sorted" - && mark=r
      mbs=$(awk -v s="$size" -v a="$first" -v b="${done_at[$i]}" -v m="$mark" \
        'BEGIN { printf "%.0f%s", s / (b - a) / 1e6, m }')
      if [ "$mark" = r ]; then [ "$exact" = yes ] && exact=reordered; else exact=no; fi
    else
      mbs="short($(stat -c %s "$work/out.$i" 2>/dev/null || echo 0))"; exact=no
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
    lost=$(awk -v l="$lost" -v lines="$(wc -l < "$work/in.sorted")" \
      -v missing="$(sort "$work/out.$i" | comm -23 "$work/in.sorted" - | wc -l)" \
      'BEGIN { x = 100 * missing / lines; printf "%.4f", (x > l ? x : l) }')
  done
  bench_csv 5 "$tool" "$rate/s per client" "$bench_run" "$worst" MB/s "$lost" "$cpu" "$rss"
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pids=()
  if [ "$tool" = mproxy-reverseproxy ]; then # where mproxy lost what it lost: the group socket, or slow clients
    sed -n 's/^total \(group\|tcp output\) /    \1 /p' "$work/rp.err"
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
    run mproxy-reverseproxy "$rate"
    run socat-x$clients "$rate"
  done
} | tee "$results" >&2
