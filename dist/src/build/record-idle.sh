#!/usr/bin/env bash
# Records the classes each binary loads until it is up and idle, for the start-up archive (run by build-bundle.sh
# inside a private network namespace made for it: `unshare --net`; nothing here can reach another host).
# Each binary runs through its launcher with a minimal configuration on 127.0.0.1 (the reverse proxy joins a group on
# lo, whose multicast this script turns on), and the class list is copied one second after the binary is up: what it
# loads when stopping (the exit path, its loggers) stays out of the archive. Then SIGTERM, and exit 0 is required.
# Usage: record-idle.sh BUNDLE_HOME WORK_DIR   (MPROXY_JAVA_OPTS: the archive to record on top of)
# Writes WORK_DIR/classlists/BINARY-idle per binary it has a configuration for, and names each it skips on stderr.
set -euo pipefail
home="$1"
work="$2"
ip link set lo up
ip link set lo multicast on
rm -f "$work/idle.fifo"
mkfifo "$work/idle.fifo"
# The idle client reads a FIFO that this script holds open (read-write, so nobody blocks) and never writes to it.
exec 7<> "$work/idle.fifo"

# idle_args BINARY: prints the binary's minimal configuration; fails for a binary without one.
idle_args() {
  case $1 in
    mproxy-client) echo "--path $work/idle.fifo --server-addr 127.0.0.1:9000" ;;
    mproxy-server) echo "--listen-addr 127.0.0.1:9001 --path /dev/null" ;;
    mproxy-proxy) echo "--udp-listen-addr 127.0.0.1:9002 --udp-downstream-addr 127.0.0.1:9003" ;;
    mproxy-reverseproxy)
      echo "--multicast-addr 239.255.77.1:9004 --multicast-interface lo --tcp-output-addr 127.0.0.1:9005" ;;
    relay) echo "127.0.0.1:9006 tcp@127.0.0.1:9007 tcp@127.0.0.1:9008 --set spill_dir=$work/idle-spill" ;;
    *) return 1 ;;
  esac
}

# up PID BINARY: true once the binary logged that it listens, sends or joined, or (the client, which logs nothing
# when it starts) holds a socket.
up() {
  grep -q "listening on\|sending to\|joined group\|forwarding to" "$work/idle-$2.err" && return 0
  ls -l "/proc/$1/fd" 2> /dev/null | grep -q 'socket:'
}

for launcher in "$home"/bin/*; do
  binary=$(basename "$launcher")
  if ! args=$(idle_args "$binary"); then
    echo "bundle: no idle configuration for $binary in $0: the archive holds only its --version classes" >&2
    continue
  fi
  list="$work/classlists/$binary-idle"
  # shellcheck disable=SC2086 # the configuration is split on blanks on purpose
  MPROXY_JAVA_OPTS="$MPROXY_JAVA_OPTS -XX:DumpLoadedClassList=$list.all" "$launcher" $args \
    < /dev/null > /dev/null 2> "$work/idle-$binary.err" &
  pid=$!
  for _ in $(seq 200); do
    up "$pid" "$binary" && break
    kill -0 "$pid" 2> /dev/null || break
    sleep 0.05
  done
  if ! up "$pid" "$binary"; then
    kill -KILL "$pid" 2> /dev/null || true
    cat "$work/idle-$binary.err" >&2
    echo "bundle: $binary $args did not come up within 10 s" >&2
    exit 1
  fi
  sleep 1
  cp "$list.all" "$list"
  kill -TERM "$pid"
  for _ in $(seq 100); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2> /dev/null && echo "bundle: $binary did not exit within 10 s of SIGTERM" >&2
  status=0
  wait "$pid" || status=$?
  if [ "$status" != 0 ]; then
    cat "$work/idle-$binary.err" >&2
    echo "bundle: $binary exited $status after SIGTERM, expected 0" >&2
    exit 1
  fi
done
