# Sourced by bin/_launch, dist/build-bundle.sh and bench/lib.sh: which JIT each binary runs with, decided once here.
# C1 only (-XX:TieredStopAtLevel=1) for every binary but the relay: their hot loops are short, mostly system calls,
# and C2's compile work competes with the transfer on small machines (job 1 of the bench: 529-616 MB/s with C1 against
# 247-644 with C2). For the reverse proxy (job 5, 4 TCP clients at 350 MB/s): 0.76-0.80 CPU-s per 300 MB with C1
# against 1.16 with C2, even after a 300 MB warm-up (C2 was still compiling and deoptimising when clients changed,
# the code meanwhile in C1's slower profiled tier); its job 4 rate at 1400 B was no better with C2 (3 alternating
# pairs: 136/231, 298/312, 262/219 k pkt/s C2/C1). The relay keeps C2: per-packet Java code under hours of load, where
# C1 only cost it 20 % of its lossless rate at 1400 B (300 k against 375 k pkt/s, bench job 4, one locked A/B).
mproxy_compiler_opts() { # BINARY (or its module directory): prints its compiler flags, nothing for C2
  case $1 in
    relay) ;;
    *) printf '%s\n' -XX:TieredStopAtLevel=1 ;;
  esac
}
