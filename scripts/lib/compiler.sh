# Sourced by bin/_launch, dist/build-bundle.sh and bench/lib.sh: which JIT each binary runs with, decided once here.
# C1 only (-XX:TieredStopAtLevel=1) for the client, the server and the proxy: their hot loops are short and C2's
# compile work competes with the transfer on small machines (job 1 of the bench: 529-616 MB/s with C1 against 247-644
# with C2). The relay and the reverse proxy keep C2: per-packet Java code under hours of load, where C1 only cost them
# 19-25 % of their lossless rate at 1400 B (bench job 4, one locked A/B).

mproxy_compiler_opts() { # BINARY (or its module directory): prints its compiler flags, nothing for C2
  case $1 in
    relay | mproxy-reverseproxy) ;;
    *) printf '%s\n' -XX:TieredStopAtLevel=1 ;;
  esac
}
