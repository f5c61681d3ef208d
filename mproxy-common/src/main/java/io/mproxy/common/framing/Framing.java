package io.mproxy.common.framing;

import java.util.Locale;

/** How a byte stream is cut into datagrams (and datagrams joined into a stream). */
public enum Framing {
    /** Datagrams end on line boundaries, as many whole lines as fit; longer lines are split and counted. */
    LINE,
    /** Chunks up to the maximum datagram size, exactly as read (the Rust mproxy's behaviour). */
    RAW,
    /** A 4-byte big-endian length before each message. */
    LENGTH;

    /** @return the lower-case name used on the command line. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @param text {@code line}, {@code raw} or {@code length}, in any case.
     * @return the framing.
     * @throws IllegalArgumentException naming the accepted values.
     */
    public static Framing parse(String text) {
        for (Framing f : values()) {
            if (f.name().equalsIgnoreCase(text)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown framing '" + text + "': expected line, raw or length");
    }
}
