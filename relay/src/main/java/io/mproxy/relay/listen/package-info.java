/** The listening side: UDP and unix datagram sockets drained into the packet ring. */
package io.mproxy.relay.listen;
