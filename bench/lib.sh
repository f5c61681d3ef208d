# Sourced by the bench scripts: JDK, jars, namespace, peers, timing helpers.
# Every job runs inside a private network namespace (unshare -n): nothing can leave this machine.

bench_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$bench_root/scripts/lib/java-env.sh"
JAVA="$JAVA_HOME/bin/java"
. "$bench_root/scripts/lib/compiler.sh"
# The JVM flags of the launchers (bin/_launch, dist), so that every job measures what users run (C2's compiler threads
# took a fifth of the two cores in job 5 when the client ran with them): BENCH_JVM for every binary but the relay,
# BENCH_JVM_RELAY for the relay (scripts/lib/compiler.sh decides which binary gets which JIT).
# BENCH_JAVA_OPTS adds flags to every Java binary of a run, to measure a candidate flag against the launchers'.
# shellcheck disable=SC2046,SC2206
BENCH_JVM=("$JAVA" $(mproxy_compiler_opts mproxy-client) -XX:+UseSerialGC --enable-native-access=ALL-UNNAMED
  ${BENCH_JAVA_OPTS:-})
# shellcheck disable=SC2046,SC2206
BENCH_JVM_RELAY=("$JAVA" $(mproxy_compiler_opts relay) -XX:+UseSerialGC --enable-native-access=ALL-UNNAMED
  ${BENCH_JAVA_OPTS:-})
bench_work="${MPROXY_BENCH_WORK:-$bench_root/bench/work}"
bench_results="${MPROXY_BENCH_RESULTS:-$bench_root/bench/results}"
mkdir -p "$bench_work" "$bench_results"

# Re-runs the calling script inside a fresh network namespace with loopback (and loopback multicast) up.
bench_enter_netns() {
  if [ -z "${MPROXY_BENCH_NETNS:-}" ]; then
    if [ "$(id -u)" = 0 ]; then ns=(unshare --net); else ns=(unshare --map-root-user --net); fi
    exec "${ns[@]}" env MPROXY_BENCH_NETNS=1 bash "$0" "$@"
  fi
  ip link set lo up
  ip link set lo multicast on
}

# The artifact (jar) name of a module: relay/ builds mproxy-relay.jar.
bench_artifact() { sed -n 's|^  <artifactId>\(.*\)</artifactId>|\1|p' "$bench_root/$1/pom.xml" | head -1; }

# Builds the named modules' jars when missing or stale.
bench_build() {
  local modules="$1" m jar stale=0
  for m in ${modules//,/ }; do
    jar="$bench_root/$m/target/$(bench_artifact "$m").jar"
    [ -f "$jar" ] || stale=1
    [ -n "$(find "$bench_root/$m/src/main" "$bench_root/mproxy-common/src/main" -newer "$jar" \
        -print -quit 2>/dev/null)" ] && stale=1
  done
  if [ "$stale" = 1 ]; then
    (cd "$bench_root" && mvn -B -q -DskipTests package -pl "$modules" -am) >&2
    # Maven leaves a jar whose classes did not change as it was, older than the sources just compiled (a change in
    # mproxy-common alone): without this every later call would build again.
    for m in ${modules//,/ }; do touch "$bench_root/$m/target/$(bench_artifact "$m").jar"; done
  fi
}

# The dist bundle (what users install): its path, built when missing or older than any source. Run outside the
# namespace (Maven may need the network).
bench_bundle() {
  local tarball
  tarball=$(ls "$bench_root"/dist/target/mproxy-*-linux-x64.tar.gz 2>/dev/null | head -1 || true)
  if [ -z "$tarball" ] || [ -n "$(find "$bench_root" -path '*/src/main/*' -newer "$tarball" -print -quit)" ] \
      || [ -n "$(find "$bench_root/dist" -path '*/src/*' -newer "$tarball" -print -quit)" ]; then
    (cd "$bench_root" && mvn -B -q -DskipTests package -pl dist -am) >&2
    tarball=$(ls "$bench_root"/dist/target/mproxy-*-linux-x64.tar.gz | head -1)
  fi
  echo "$tarball"
}

# Unpacks the bundle into DIR (emptied first), so that a job runs the binaries through their launchers.
bench_unpack_bundle() {
  local dir="$1" tarball
  tarball=$(ls "$bench_root"/dist/target/mproxy-*-linux-x64.tar.gz | head -1)
  rm -rf "$dir"; mkdir -p "$dir"
  tar -xzf "$tarball" -C "$dir" --strip-components=1
  [ -x "$dir/bin/mproxy-client" ] || { echo "bench: no bin/mproxy-client in $tarball" >&2; return 1; }
}

# Installs a peer tool from the OS packages when it is missing; says so when it cannot.
bench_need() {
  local tool="$1" package="${2:-$1}"
  command -v "$tool" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "bench: installing $package for the peer measurements" >&2
    (apt-get install -y -qq "$package" >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 &&
      apt-get install -y -qq "$package" >/dev/null 2>&1; }) || true
  fi
  command -v "$tool" >/dev/null 2>&1 && return 0
  echo "bench: peer '$tool' is missing (package $package) and could not be installed: its rows are skipped" >&2
  return 1
}

# Prints the size of a file, 0 when absent.
bench_size() { stat -c %s "$1" 2>/dev/null || echo 0; }

# Waits (bounded) until a file stops growing: 5 polls 100 ms apart with the same size, at most $2 seconds.
bench_await_stable() {
  local file="$1" limit="${2:-30}" last=-1 same=0 size i
  for ((i = 0; i < limit * 10; i++)); do
    size=$(bench_size "$file")
    if [ "$size" = "$last" ]; then same=$((same + 1)); [ "$same" -ge 5 ] && return 0; else same=0; fi
    last=$size
    sleep 0.1
  done
}

# Waits (bounded, 10 s) until a UDP port is bound in this namespace.
bench_await_udp_port() {
  local port="$1" i
  for ((i = 0; i < 100; i++)); do
    ss -Hlun "sport = :$port" 2>/dev/null | grep -q . && return 0
    sleep 0.1
  done
  echo "bench: nothing listens on udp port $port" >&2
  return 1
}

# Seconds since the epoch with nanoseconds.
bench_now() { date +%s.%N; }

# Appends one machine-readable row to the CSV named by MPROXY_BENCH_CSV (when set):
#   job,tool,variant,run,throughput,unit,loss,cpu_s,peak_rss_kb
# loss is a percentage (0 = nothing lost); cpu_s and peak_rss_kb cover every process of the tool (summed).
bench_csv() {
  [ -n "${MPROXY_BENCH_CSV:-}" ] || return 0
  local IFS=,
  echo "$*" >> "$MPROXY_BENCH_CSV"
}

# The run number for CSV rows (bench/run.sh sets it per repetition).
bench_run="${MPROXY_BENCH_RUN:-1}"

# Prints "CPU_SECONDS PEAK_RSS_KB" summed over the given live pids (utime+stime, VmHWM): read it before stopping them.
bench_proc_stats() {
  local cpu=0 rss=0 p hz
  hz=$(getconf CLK_TCK)
  for p in "$@"; do
    [ -r "/proc/$p/stat" ] || continue
    cpu=$((cpu + $(awk '{print $14 + $15}' "/proc/$p/stat")))
    rss=$((rss + $(awk '/^VmHWM:/ {print $2}' "/proc/$p/status")))
  done
  awk -v c="$cpu" -v hz="$hz" -v r="$rss" 'BEGIN { printf "%.2f %d\n", c / hz, r }'
}
