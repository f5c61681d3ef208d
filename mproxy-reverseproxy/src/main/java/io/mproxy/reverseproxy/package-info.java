/** mproxy-reverseproxy: UDP and TCP inputs onto a multicast group, the group fanned out to TCP and UDP outputs. */
package io.mproxy.reverseproxy;
