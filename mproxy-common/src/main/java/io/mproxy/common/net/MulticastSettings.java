package io.mproxy.common.net;

import java.net.NetworkInterface;

/**
 * How multicast sockets are set up.
 *
 * @param networkInterface the interface to join on and send from, or null for the system's choice (which is still
 *                         set explicitly on every socket, see {@link Interfaces#defaultFor}).
 * @param ttl              the multicast TTL (IPv4) or hop limit (IPv6), 0 to 255.
 * @param loop             whether this host's own multicast is delivered back to it (IP_MULTICAST_LOOP).
 */
public record MulticastSettings(NetworkInterface networkInterface, int ttl, boolean loop) {
    /** The default TTL/hop limit: one hop, the local network. */
    public static final int DEFAULT_TTL = 1;

    /** System interface, TTL 1, loopback on. */
    public static final MulticastSettings DEFAULTS = new MulticastSettings(null, DEFAULT_TTL, true);

    /** @param networkInterface the interface, or null. @param ttl 0..255. @param loop IP_MULTICAST_LOOP. */
    public MulticastSettings {
        if (ttl < 0 || ttl > 255) {
            throw new IllegalArgumentException("--multicast-ttl " + ttl + " is out of range: expected 0 to 255");
        }
    }
}
