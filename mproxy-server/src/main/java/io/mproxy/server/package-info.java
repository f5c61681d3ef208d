/** mproxy-server: listens on UDP unicast and multicast addresses and appends what arrives to files or stdout. */
package io.mproxy.server;
