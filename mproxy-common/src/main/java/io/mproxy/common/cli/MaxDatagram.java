package io.mproxy.common.cli;

import io.mproxy.common.net.Endpoint;
import io.mproxy.common.net.Interfaces;
import java.net.NetworkInterface;
import java.util.List;

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
     * The default for datagrams sent to {@code destinations}: {@link #LIMIT} when every one stays on loopback, whose
     * 64 KiB MTU fragments nothing (a loopback address, or a group sent through a loopback interface), else
     * {@link #DEFAULT}.
     *
     * @param destinations       where the datagrams go; none gives {@link #DEFAULT}.
     * @param multicastInterface the interface groups are sent through, or null for the system's choice.
     * @return the largest datagram to cut when the user named none.
     */
    public static int defaultFor(List<Endpoint> destinations, NetworkInterface multicastInterface) {
        boolean loopbackGroups = Interfaces.isLoopback(multicastInterface);
        boolean allLoopback = !destinations.isEmpty() && destinations.stream().allMatch(d ->
            d.address().getAddress().isLoopbackAddress() || d.isMulticast() && loopbackGroups);
        return allLoopback ? LIMIT : DEFAULT;
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
