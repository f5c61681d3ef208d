/** Sockets: TCP accepting, and a thread draining a UDP socket in batches (recvmmsg, UDP GRO). */
package io.mproxy.reverseproxy.net;
