#!/usr/bin/env bash
# Runs mproxy-client through its launcher until it is up and idle, then stops it with SIGTERM (exit 0 required), so
# that the JVM options in MPROXY_JAVA_OPTS record what it loaded (build-bundle.sh: -XX:ArchiveClassesAtExit, the idle
# start-up archive). The client reads a FIFO that this script holds open and never writes to: it opens one UDP socket
# connected to 127.0.0.1 and sends nothing. It asks for a send buffer no kernel grants (--sndbuf 2Gi), so that it logs
# one line (the warning that the buffer was capped): the client starts its logging back end only for a first line, and
# every other binary logs one at start ("listening on"), so the logging classes belong in the archive. build-bundle.sh
# runs this in a private network namespace when it can make one (unshare --net) and on the host's loopback otherwise.
# Usage: record-idle.sh BUNDLE_HOME WORK_DIR
set -euo pipefail
home="$1"
work="$2"
ip link set lo up 2> /dev/null || true
rm -f "$work/idle.fifo"
mkfifo "$work/idle.fifo"
exec 7<> "$work/idle.fifo"
err="$work/idle-client.err"
"$home/bin/mproxy-client" --path "$work/idle.fifo" --server-addr 127.0.0.1:9000 --sndbuf 2Gi < /dev/null > /dev/null \
  2> "$err" &
pid=$!
# Up: it holds its socket once it is ready to send.
up() { ls -l "/proc/$pid/fd" 2> /dev/null | grep -q 'socket:'; }
for _ in $(seq 200); do
  up && break
  kill -0 "$pid" 2> /dev/null || break
  sleep 0.05
done
if ! up; then
  if kill -0 "$pid" 2> /dev/null; then
    kill -KILL "$pid" 2> /dev/null || true
    why="did not come up within 10 s"
  else
    status=0
    wait "$pid" || status=$?
    why="exited $status before it was up"
  fi
  cat "$err" >&2
  echo "bundle: mproxy-client $why" >&2
  exit 1
fi
sleep 1
kill -TERM "$pid"
for _ in $(seq 100); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
kill -KILL "$pid" 2> /dev/null && echo "bundle: mproxy-client did not exit within 10 s of SIGTERM" >&2
status=0
wait "$pid" || status=$?
if [ "$status" != 0 ]; then
  cat "$err" >&2
  echo "bundle: mproxy-client exited $status after SIGTERM, expected 0" >&2
  exit 1
fi
