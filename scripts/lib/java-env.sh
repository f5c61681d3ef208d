# Sourced by the project's scripts: finds a JDK 25 (or newer) and exports JAVA_HOME and PATH.
# Order: $JAVA_HOME, then the usual install locations. Stops with a clear message when there is none.

mproxy_jdk_feature() { # prints the feature version of the JDK at $1, or nothing
  local release="$1/release" v
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  if [ -r "$release" ]; then
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release")
  else
    v=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p')
  fi
  printf '%s' "$v"
}

mproxy_find_jdk() {
  local want=25 candidate feature
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* /opt/*jdk* \
      "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -n "$candidate" ] && [ -d "$candidate" ] || continue
    feature=$(mproxy_jdk_feature "$candidate")
    if [ -n "$feature" ] && [ "$feature" -ge "$want" ]; then
      printf '%s' "$candidate"
      return 0
    fi
  done
  return 1
}

if ! MPROXY_JDK=$(mproxy_find_jdk); then
  echo "mproxy: no JDK 25 found (looked at \$JAVA_HOME and /usr/lib/jvm, /usr/java, /opt, ~/.sdkman, ~/.jdks)." >&2
  echo "mproxy: install one (e.g. 'apt-get install temurin-25-jdk' or from https://adoptium.net) or set JAVA_HOME." >&2
  exit 1
fi
export JAVA_HOME="$MPROXY_JDK"
export PATH="$JAVA_HOME/bin:$PATH"
# Maven's own libraries use sun.misc.Unsafe; JDK 24+ warns about it on every run.
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
