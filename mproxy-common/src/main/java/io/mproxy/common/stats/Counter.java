package io.mproxy.common.stats;

/** What a component counts; each has a stable id (for exporters) and a label (for people). */
public enum Counter {
    /** Datagrams (or messages) received. */
    DATAGRAMS_IN(0, "datagrams in"),
    /** Bytes received. */
    BYTES_IN(1, "bytes in"),
    /** Datagrams (or messages) sent or written. */
    DATAGRAMS_OUT(2, "datagrams out"),
    /** Bytes sent or written. */
    BYTES_OUT(3, "bytes out"),
    /** Datagrams dropped because a buffer was full or a message was too large. */
    DROPPED(4, "dropped"),
    /** Datagrams or messages cut short. */
    TRUNCATED(5, "truncated"),
    /** Lines longer than a datagram, split across datagrams. */
    SPLIT_LINES(6, "split lines"),
    /** Sends that failed (destination unreachable, no buffer space, ...). */
    SEND_ERRORS(7, "send errors"),
    /** Other errors. */
    ERRORS(8, "errors"),
    /** Datagrams written to disk while a destination was down. */
    SPILLED(9, "spilled"),
    /** Datagrams replayed from disk. */
    REPLAYED(10, "replayed"),
    /** Connections made again after a failure. */
    RECONNECTS(11, "reconnects");

    private final int id;
    private final String label;

    /** @return true for what counts data that did not get through: dropped, truncated, send errors, errors. */
    public boolean isLoss() {
        return this == DROPPED || this == TRUNCATED || this == SEND_ERRORS || this == ERRORS;
    }

    Counter(int id, String label) {
        this.id = id;
        this.label = label;
    }

    /** @return the stable id. */
    public int id() {
        return id;
    }

    /** @return the label shown in stats lines. */
    public String label() {
        return label;
    }
}
