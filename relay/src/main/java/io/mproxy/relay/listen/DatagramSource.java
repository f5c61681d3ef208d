package io.mproxy.relay.listen;

import io.mproxy.common.stats.Counters;
import io.mproxy.common.stats.StatsReporter;
import io.mproxy.relay.queue.PacketRing;
import java.io.IOException;
import java.nio.ByteBuffer;

/** A bound datagram socket the listener drains into the {@link PacketRing}: UDP or a unix datagram socket. */
public interface DatagramSource extends AutoCloseable {
    /** What {@link #receiveInto} returns when the slowest worker holds all the ring's room (nothing was received). */
    int NO_ROOM = -1;

    /**
     * Receives what the socket holds (one datagram, or a batch where the socket allows) as records of the ring, and
     * publishes them.
     *
     * @param ring     where the datagrams go.
     * @param counters counts the datagrams and bytes received.
     * @param wait     true to wait a little (at most ~100 ms) for the first, false to return at once.
     * @return how many datagrams were published, 0 when none arrived, or {@link #NO_ROOM}.
     * @throws IOException on a receive error (the listener counts it and carries on).
     */
    int receiveInto(PacketRing ring, Counters counters, boolean wait) throws IOException;

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

    /**
     * {@link #receiveInto} for a socket that takes one datagram per receive: into a claim of the ring.
     *
     * @param ring     where the datagram goes.
     * @param counters counts it.
     * @param socket   receives one datagram.
     * @param wait     true to wait a little for it.
     * @return 1, 0 when none arrived, or {@link #NO_ROOM}.
     * @throws IOException on a receive error.
     */
    static int receiveOne(PacketRing ring, Counters counters, OneDatagram socket, boolean wait) throws IOException {
        ByteBuffer view = ring.claim();
        if (view == null) {
            return NO_ROOM;
        }
        int length = socket.receive(view, wait);
        if (length < 0) {
            return 0;
        }
        counters.countIn(length);
        ring.commit(length, System.nanoTime());
        ring.publish();
        return 1;
    }

    /** A socket's receive of one datagram. */
    @FunctionalInterface
    interface OneDatagram {
        /**
         * @param into where the payload goes, from its position up to its limit; its position moves past it.
         * @param wait true to wait a little (at most ~100 ms) for one, false to return at once.
         * @return the payload length, or -1 when none arrived.
         * @throws IOException on a receive error.
         */
        int receive(ByteBuffer into, boolean wait) throws IOException;
    }
}
