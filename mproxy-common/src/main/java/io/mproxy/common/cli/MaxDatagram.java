package io.mproxy.common.cli;

/** The {@code --max-datagram} option's default and bounds, shared by every binary that cuts streams into datagrams. */
public final class MaxDatagram {
    /**
     * Default largest datagram: 8 KiB keeps syscalls per byte low (loopback and LAN run at memory speed) while an
     * Ethernet path fragments it into only six IP packets. Use 1400 across the Internet, up to 65507 on loopback.
     */
    public static final int DEFAULT = 8192;
    /** The largest UDP payload over IPv4. */
    public static final int LIMIT = 65_507;

    private MaxDatagram() {
    }

    /**
     * @param maxDatagram the value given.
     * @return it, when it is 1 to {@link #LIMIT}.
     * @throws UsageException naming the option and the range.
     */
    public static int check(int maxDatagram) {
        if (maxDatagram < 1 || maxDatagram > LIMIT) {
            throw new UsageException("--max-datagram " + maxDatagram + " is out of range: expected 1 to " + LIMIT
                + " (the largest UDP payload)");
        }
        return maxDatagram;
    }
}
