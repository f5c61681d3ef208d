/** Framing between byte streams and datagrams: line, raw and length-prefixed. */
package io.mproxy.common.framing;
