#!/usr/bin/env bash
# Runs inside the private network namespace made by scripts/test: brings up loopback (with multicast),
# makes a veth pair mp0/mp1 with fd11::1/64 and fd11::2/64 for IPv6 multicast, then runs "$@".
set -euo pipefail
ip link set lo up
ip link set lo multicast on
ip link add mp0 type veth peer name mp1
ip -6 addr add fd11::1/64 dev mp0 nodad
ip -6 addr add fd11::2/64 dev mp1 nodad
ip link set mp0 up
ip link set mp1 up
export MPROXY_TEST_NETNS=1
exec "$@"
