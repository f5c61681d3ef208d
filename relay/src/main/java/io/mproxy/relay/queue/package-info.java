/** The shared packet ring: every packet stored once, read by one cursor per destination. */
package io.mproxy.relay.queue;
