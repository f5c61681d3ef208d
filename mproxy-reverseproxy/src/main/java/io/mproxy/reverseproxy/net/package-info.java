/** Sockets and native memory: TCP accepting, batched UDP receive and send (recvmmsg/sendmmsg), lazily mapped rings. */
package io.mproxy.reverseproxy.net;
