/** mproxy-proxy: forwards UDP listeners and TCP/TLS upstreams to UDP unicast and multicast downstreams. */
package io.mproxy.proxy;
