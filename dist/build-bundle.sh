#!/usr/bin/env bash
# Builds the self-contained bundle target/mproxy-VERSION-linux-x64.tar.gz (run by dist/pom.xml in the package phase,
# after maven-dependency-plugin copied the toolkit's jars to target/jars and the build tools to target/tools).
#   1. jars into lib/ (picocli's Java 5 class files re-emitted as Java 8, see ClassFileUpgrade), the binaries found
#      in them, their man pages and bash completion scripts (BundleTool);
#   2. a jlink-ed runtime of exactly the JDK modules jdeps finds in those jars;
#   3. one POSIX sh launcher per binary;
#   4. the start-up archives (CDS): one of the classes of every binary's --version, and on top of it one of what a
#      binary loads until it is up and idle;
#   5. README.md, LICENSE, systemd examples, and the tar.gz.
# Usage: build-bundle.sh VERSION TARGET_DIR   (JAVA_HOME: the JDK 25 running Maven)
set -euo pipefail
version="$1"
target="$2"
dist=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
root=$(dirname "$dist")
. "$root/scripts/lib/compiler.sh"
java_home="${JAVA_HOME:?JAVA_HOME must point at a JDK 25}"
name="mproxy-$version"
archive="$target/$name-linux-x64.tar.gz"
stage="$target/bundle"
home="$stage/$name"
work="$target/bundle-work"
started=$(date +%s%N)

# Flags every binary needs (TcpCork and the socket options go through FFM) and the flags chosen for small,
# short-lived network tools; README.md says why. The archive is dumped with the same flags: CDS refuses its module
# graph when --enable-native-access differs (and whenever --add-exports is given, which is why there is none).
# The two methods left to the interpreter are the class-file API's stack map computation, run while the JDK generates
# the foreign function stubs and method handle classes at start: C1 compiling them took 6 MiB of compiler arena each
# time, held for seconds (README.md, "JVM flags"). Patterns without '<' or '>': the launcher passes them unquoted.
jvm_opts=(-XX:+UseSerialGC -Xms8m -Xmx256m -XX:MaxDirectMemorySize=4g
  -XX:+ExitOnOutOfMemoryError -XX:-UsePerfData -XX:TrimNativeHeapInterval=1000
  -XX:CompileCommand=quiet -XX:CompileCommand=exclude,jdk.internal.classfile.impl.StackMapGenerator::processBlock
  '-XX:CompileCommand=exclude,jdk.internal.classfile.impl.StackCounter::*'
  --enable-native-access=ALL-UNNAMED)

# The build's own JVMs (BundleTool with JRuby inside, jlink, jdeps) run briefly: C1 and Serial GC halve their CPU.
tool_jvm=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC)
tool_j=(-J-XX:TieredStopAtLevel=1 -J-XX:+UseSerialGC)

say() { printf 'bundle: %s (%s ms)\n' "$*" "$(( ($(date +%s%N) - started) / 1000000 ))"; }

rm -rf "$stage" "$work" "$archive"
mkdir -p "$home/bin" "$home/lib" "$home/share/man/man1" "$home/share/bash-completion/completions" \
  "$home/examples/systemd" "$work/classlists"

# 1. Jars, binaries, man pages, completion.
"$java_home/bin/java" "${tool_jvm[@]}" -Djruby.compile.mode=OFF -Djruby.compile.invokedynamic=false \
  --sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED \
  -cp "$target/tools/*:$(ls "$target"/jars/picocli-*.jar)" \
  "$dist/src/build/java/io/mproxy/dist/build/BundleTool.java" \
  "$target/jars" "$home/lib" "$work/binaries.tsv" "$home/share/man/man1" \
  "$home/share/bash-completion/completions" "$version"

# 2. The runtime: only the modules the jars use. JDK 25 links from its own run-time image (no jmods needed).
# Left out, because no binary uses them and they cost 0.6 MB of the tar.gz (README.md, "Size"): jwebserver; jrt-fs.jar
# (the jrt: file system for tools running on another JDK); libsimdsort.so (AVX sorting of large arrays: without it
# Arrays.sort keeps its Java code); the JDK's class list (the start-up archive below has its own); jexec (runs jars
# through binfmt_misc), jspawnhelper (starts child processes: no binary starts one) and libjsig (signal chaining for
# native libraries); the Unicode character names (Character.getName); the translations of the launcher's,
# keytool's and security messages.
unused_files='/jdk.httpserver/bin/jwebserver,/java.base/lib/jrt-fs.jar,/java.base/lib/libsimdsort.so,'\
'/java.base/lib/classlist,/java.base/lib/jexec,/java.base/lib/jspawnhelper,/java.base/lib/server/libjsig.so,'\
'/java.base/lib/libjsig.so'
unused_resources='/java.base/java/lang/uniName.dat,'\
'regex:/[a-z.]+/sun/.*/resources/[a-z]+_(de|es|fr|it|ja|ko|pt_BR|sv|zh_CN|zh_TW|zh_HK)\.class'
modules=$("$java_home/bin/jdeps" "${tool_j[@]}" --multi-release 25 --ignore-missing-deps --print-module-deps \
  "$home"/lib/*.jar)
say "JDK modules used by the jars: $modules"
# Every resource is compressed on its own except the class files of java.nio, java.io, java.net, java.security and
# javax.crypto: stored, they let gzip compress them as one stream, 0.37 MB less tar.gz for 1.06 MB more unpacked
# (README.md, "Size"), which pays for the idle start-up archive.
stored='/java\.base/(java/(nio|security|io|net)|javax/crypto)/'
"$java_home/bin/jlink" "${tool_j[@]}" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
  --compress "zip-9:filter=regex:(?!$stored).*" --exclude-files="$unused_files" \
  --exclude-resources="$unused_resources" --output "$home/runtime"
# libjvm.so keeps its exported (dynamic) symbols; its full symbol table (5 MB, only for native debuggers) and its
# SystemTap probe notes go.
if command -v strip > /dev/null 2>&1; then
  strip --strip-unneeded --remove-section=.note.stapsdt "$home/runtime/lib/server/libjvm.so"
else
  say "no 'strip' (binutils): libjvm.so keeps its symbol table, the bundle is 5 MB larger"
fi
say "runtime linked"

# 3. Launchers. The class path is the same for every binary (one archive serves them all) and in a fixed order.
class_path=""
dump_class_path=""
for jar in "$home"/lib/*.jar; do
  class_path="$class_path${class_path:+:}\$lib/$(basename "$jar")"
  dump_class_path="$dump_class_path${dump_class_path:+:}$jar"
done
# The client's young generation is 1 MiB (-Xmn1m; 2.7 MiB at -Xms8m): start-up's allocation touched all of it, and
# the client allocates nothing per datagram, so it collects once more per GiB sent (2 collections instead of 1) and
# is 1.3 MiB smaller idle (README.md, "JVM flags"). The daemons keep the default: a smaller young generation would
# promote what lives for seconds (connections, stats) into the old one, which only a full collection empties.
young_generation() { # BINARY
  case $1 in
    mproxy-client) printf '%s\n' -Xmn1m ;;
  esac
}
# Each launcher adds its binary's compiler flags (scripts/lib/compiler.sh: C1 only, or C2 for the relay) before the
# shared ones, and its young generation after them.
while IFS=$'\t' read -r binary main; do
  opts="$(mproxy_compiler_opts "$binary") ${jvm_opts[*]} $(young_generation "$binary")"
  sed -e "s|@NAME@|$binary|g" -e "s|@MAIN@|$main|g" -e "s|@JVM_OPTS@|$opts|g" \
    -e "s|@CLASS_PATH@|$class_path|g" "$dist/src/main/launcher/launcher.sh" > "$home/bin/$binary"
  chmod 755 "$home/bin/$binary"
done < "$work/binaries.tsv"
say "launchers written"

# 4. The start-up archives (README.md, "Idle memory"). The JVM relocates an archive at start, which touches all of it:
# every archived class costs resident memory and start time in every process, used or not, and a class left out
# costs the process that loads it lib/modules pages and metaspace. So:
#  - lib/mproxy.jsa, a static archive, holds the classes of every binary's --version and nothing else: --version maps
#    only it (the launcher), and costs no more than starting the JVM;
#  - lib/mproxy-idle.jsa, a dynamic archive on top of it (-XX:ArchiveClassesAtExit), holds what mproxy-client loads
#    until it is up and idle (record-idle.sh): all but 49 of its classes are ones every binary loads (picocli's parser,
#    logging, sockets). Not what only --help and usage errors load (picocli's help rendering), nor what only some
#    binaries load (the foreign function linking of all but the client): the tar.gz has no room for those.
# Dumped without AOT class linking: that loads every archived class at start, which made --version 43 ms instead of
# 31 (a hello world: 29); the archived lambda forms and lambda proxies it keeps need no linking. The @cp lines only
# serve AOT linking, so they go.
# The --version runs are recorded on top of a plain archive of the JDK's own class list, as users will run: without
# one, the JVM would spin lambda forms at run time and the list would drag in the class-file API that generates them.
"$home/runtime/bin/java" -Xshare:dump -XX:SharedClassListFile="$java_home/lib/classlist" \
  -XX:SharedArchiveFile="$work/jdk.jsa" "${jvm_opts[@]}" > "$work/jdk-dump.log" 2>&1 || {
  cat "$work/jdk-dump.log" >&2; echo "bundle: the JDK class list archive dump failed" >&2; exit 1; }
for launcher in "$home"/bin/*; do
  binary=$(basename "$launcher")
  MPROXY_JAVA_OPTS="-XX:SharedArchiveFile=$work/jdk.jsa -XX:DumpLoadedClassList=$work/classlists/$binary--version" \
    "$launcher" --version > "$work/$binary--version.out" 2>&1 || {
    cat "$work/$binary--version.out" >&2; echo "bundle: $binary --version failed" >&2; exit 1; }
done
say "class lists recorded"
# java.lang.StringUTF16 is loaded as soon as a string holds a character beyond Latin-1 (a path, an environment
# variable): the build's environment may have none, a user's often has.
{ cat "$work"/classlists/*; echo java/lang/StringUTF16; } | grep -v -e '^#' -e '^@cp ' | sed 's/ id: [0-9]*$//' \
  | awk '!seen[$0]++' > "$work/mproxy.classlist"
"$home/runtime/bin/java" -Xshare:dump -XX:SharedClassListFile="$work/mproxy.classlist" \
  -XX:SharedArchiveFile="$home/lib/mproxy.jsa" "${jvm_opts[@]}" \
  -cp "$dump_class_path" > "$work/dump.log" 2>&1 || {
  cat "$work/dump.log" >&2; echo "bundle: the start-up archive dump failed" >&2; exit 1; }
skipped=$(grep -c 'Skipping' "$work/dump.log" || true)
say "start-up archive: $(wc -l < "$work/mproxy.classlist") class list entries, $skipped skipped (see $work/dump.log)"
# The idle run needs no network namespace (the client sends nothing), but takes one when it can.
if [ "$(id -u)" = 0 ]; then netns=(unshare --net); else netns=(unshare --map-root-user --net); fi
"${netns[@]}" true 2> /dev/null || netns=()
MPROXY_JAVA_OPTS="-XX:SharedArchiveFile=$home/lib/mproxy.jsa -XX:ArchiveClassesAtExit=$home/lib/mproxy-idle.jsa" \
  "${netns[@]}" bash "$dist/src/build/record-idle.sh" "$home" "$work"
[ -s "$home/lib/mproxy-idle.jsa" ] || { echo "bundle: the idle archive was not written" >&2; exit 1; }
say "idle archive: $(stat -c %s "$home/lib/mproxy-idle.jsa") bytes"
# -Xshare:on fails when an archive cannot be used: --version maps the first, --help both.
for launcher in "$home"/bin/*; do
  for args in --version --help; do
    if ! MPROXY_JAVA_OPTS="-Xshare:on" "$launcher" "$args" > "$work/check.out" 2>&1; then
      cat "$work/check.out" >&2
      echo "bundle: $(basename "$launcher") $args cannot use the start-up archives (-Xshare:on failed)" >&2
      exit 1
    fi
  done
done

# 5. Documents, examples, archive.
if [ -f "$root/README.md" ]; then
  cp "$root/README.md" "$home/README.md"
else
  say "no README.md at the repository root: bundling dist/README.md as README.md"
  cp "$dist/README.md" "$home/README.md"
fi
cp "$root/LICENSE" "$home/LICENSE"
cp "$dist"/src/main/systemd/*.service "$home/examples/systemd/"
# --sort for a stable listing; modification times are kept: the start-up archive checks those of the jars.
tar --sort=name --owner=0 --group=0 --numeric-owner -C "$stage" -cf - "$name" | gzip -9 > "$archive"

unpacked=$(du -sb "$home" | cut -f1)
packed=$(stat -c %s "$archive")
say "$archive: $(awk -v p="$packed" -v u="$unpacked" \
  'BEGIN { printf "%.1f MiB (%.1f MiB unpacked)", p / 1048576, u / 1048576 }')"
