/** Connections to destinations: TCP (corked, gathering), UDP and unix datagram sockets. */
package io.mproxy.relay.link;
