/** The transport kernel shared by every mproxy binary: endpoints, UDP channels, framing, rings, counters, CLI. */
package io.mproxy.common;
