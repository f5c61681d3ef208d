/** Disk spill: per-destination append-only segments of length-prefixed, checksummed records. */
package io.mproxy.relay.spill;
