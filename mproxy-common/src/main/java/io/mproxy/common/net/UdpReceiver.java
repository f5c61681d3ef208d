package io.mproxy.common.net;

import io.mproxy.common.ring.DatagramRing;
import io.mproxy.common.stats.Counter;
import io.mproxy.common.stats.Counters;
import io.mproxy.common.stats.RateLimitedLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drains one UDP socket into a {@link DatagramRing} on its own platform thread (a {@link UdpReceiveLoop}) and does
 * nothing else, so the socket is read as fast as the kernel delivers whatever the consumer is doing. A full ring
 * drops (counted, logged at most once a second); an error on one receive is counted and logged, and the loop carries
 * on.
 */
public final class UdpReceiver implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UdpReceiver.class);
    /** The longest wait at close for the thread to read what the kernel holds (8 MiB at memory speed is ~10 ms). */
    private static final long DRAIN_NANOS = 2_000_000_000L;

    private final Endpoint endpoint;
    private final DatagramRing ring;
    private final Counters counters;
    private final ByteBuffer overflow = ByteBuffer.allocateDirect(UdpChannels.MAX_UDP_PAYLOAD + 1);
    private final RateLimitedLog dropLog = new RateLimitedLog(UdpReceiver.class, 1000);
    private final UdpReceiveLoop loop;

    /**
     * @param endpoint what the channel listens on, for messages.
     * @param channel  a bound, blocking channel; this receiver closes it.
     * @param ring     where datagrams go; its records must hold {@link UdpChannels#MAX_UDP_PAYLOAD} bytes.
     * @param counters counts datagrams and bytes in, drops and errors.
     */
    public UdpReceiver(Endpoint endpoint, DatagramChannel channel, DatagramRing ring, Counters counters) {
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
        this.ring = Objects.requireNonNull(ring, "ring");
        this.counters = Objects.requireNonNull(counters, "counters");
        this.loop = new UdpReceiveLoop("udp-receive " + endpoint.text(), endpoint.text(), channel, counters,
            this::receiveOnce).urgent();
    }

    /** Starts the receiving thread. @return this for a fluent API. */
    public UdpReceiver start() {
        loop.start();
        return this;
    }

    private void receiveOnce(DatagramChannel channel) throws IOException {
        ByteBuffer view = ring.claim();
        if (view == null) {
            overflow.clear();
            if (channel.receive(overflow) != null) {
                counters.countIn(overflow.position());
                counters.increment(Counter.DROPPED);
                dropLog.warn("dropping datagrams from {}: the output is not keeping up (raise --buffer)",
                    endpoint.text());
            }
            return;
        }
        int start = view.position();
        if (channel.receive(view) != null) {
            int length = view.position() - start;
            counters.countIn(length);
            ring.commit(length);
        }
    }

    /** @return the endpoint. */
    public Endpoint endpoint() {
        return endpoint;
    }

    /** @return the kernel's drop count for this socket (Linux), its last value once closed, or -1. */
    public long kernelDrops() {
        return loop.kernelDrops();
    }

    /**
     * Stops receiving: lets the thread read what the kernel already holds for this socket (up to
     * {@link #DRAIN_NANOS}), then closes the socket and waits for the thread to end.
     */
    @Override
    public void close() {
        loop.awaitKernelQueueRead(DRAIN_NANOS);
        loop.close();
    }
}
