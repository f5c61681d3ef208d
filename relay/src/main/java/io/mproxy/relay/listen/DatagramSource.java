package io.mproxy.relay.listen;

import io.mproxy.common.stats.StatsReporter;
import java.io.IOException;
import java.nio.ByteBuffer;

/** A bound datagram socket the listener drains: UDP or a unix datagram socket. */
public interface DatagramSource extends AutoCloseable {
    /**
     * Receives one datagram into {@code into} (from its position, up to its limit).
     *
     * @param into  where the payload goes; its position moves past it.
     * @param wait  true to wait a little (at most ~100 ms) for one, false to return at once.
     * @return the payload length, or -1 when none arrived.
     * @throws IOException on a receive error (the listener counts it and carries on).
     */
    int receive(ByteBuffer into, boolean wait) throws IOException;

    /** @return the bound address as {@code host:port} (with an ephemeral port resolved) or the socket path. */
    String boundAddress();

    /** @return the kernel's drop count for this socket, or -1 when unknown. */
    default long kernelDrops() {
        return -1;
    }

    /**
     * @return what {@link #kernelDrops()} counts: {@link StatsReporter#KERNEL_DROPS}, or
     *         {@link StatsReporter#KERNEL_DROPPED_RUNS} for a socket that takes coalesced runs.
     */
    default String kernelDropsLabel() {
        return StatsReporter.KERNEL_DROPS;
    }

    /** Closes the socket (and removes a unix socket's file). */
    @Override
    void close();
}
