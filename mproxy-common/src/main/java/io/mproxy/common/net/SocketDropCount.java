package io.mproxy.common.net;

import java.nio.channels.DatagramChannel;

/**
 * The kernel's drop count of one UDP socket ({@link KernelDrops#forChannel}), kept past the socket's close: a binary
 * prints its exit totals after its sockets have closed, and a closed socket's count can no longer be read.
 */
public final class SocketDropCount {
    private final DatagramChannel channel;
    private volatile long atClose = -1;

    /** @param channel a bound UDP socket of this process. */
    public SocketDropCount(DatagramChannel channel) {
        this.channel = channel;
    }

    /** @return the count now, or once the socket is closed the one {@link #keep()} read; -1 when unknown. */
    public long get() {
        return channel.isOpen() ? KernelDrops.forChannel(channel) : atClose;
    }

    /** Reads the count and keeps it: call just before closing the socket. */
    public void keep() {
        if (channel.isOpen()) {
            atClose = KernelDrops.forChannel(channel);
        }
    }
}
