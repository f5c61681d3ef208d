package io.mproxy.common.net;

import io.mproxy.common.Errors;
import io.mproxy.common.ring.DatagramRing;
import io.mproxy.common.stats.Counter;
import io.mproxy.common.stats.Counters;
import io.mproxy.common.stats.RateLimitedLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drains one UDP socket into a {@link DatagramRing} on its own platform thread and does nothing else, so the
 * socket is read as fast as the kernel delivers whatever the consumer is doing. A full ring drops (counted,
 * logged at most once a second); an error on one receive is counted and logged, and the loop carries on.
 */
public final class UdpReceiver implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UdpReceiver.class);
    /** The longest wait at close for the thread to read what the kernel holds (8 MiB at memory speed is ~10 ms). */
    private static final long DRAIN_NANOS = 2_000_000_000L;
    private static final long DRAIN_POLL_NANOS = 1_000_000L;

    private final Endpoint endpoint;
    private final DatagramChannel channel;
    private final DatagramRing ring;
    private final Counters counters;
    private final ByteBuffer overflow = ByteBuffer.allocateDirect(UdpChannels.MAX_UDP_PAYLOAD + 1);
    private final RateLimitedLog dropLog = new RateLimitedLog(LOG, 1000);
    private final RateLimitedLog errorLog = new RateLimitedLog(LOG, 1000);
    private final Thread thread;
    private volatile boolean closed;
    private volatile long kernelDropsAtClose = -1;

    /**
     * @param endpoint what the channel listens on, for messages.
     * @param channel  a bound, blocking channel; this receiver closes it.
     * @param ring     where datagrams go; its records must hold {@link UdpChannels#MAX_UDP_PAYLOAD} bytes.
     * @param counters counts datagrams and bytes in, drops and errors.
     */
    public UdpReceiver(Endpoint endpoint, DatagramChannel channel, DatagramRing ring, Counters counters) {
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
        this.channel = Objects.requireNonNull(channel, "channel");
        this.ring = Objects.requireNonNull(ring, "ring");
        this.counters = Objects.requireNonNull(counters, "counters");
        this.thread = Thread.ofPlatform().name("udp-receive " + endpoint.text()).unstarted(this::run);
    }

    /** Starts the receiving thread. @return this for a fluent API. */
    public UdpReceiver start() {
        thread.start();
        return this;
    }

    private void run() {
        while (!closed) {
            try {
                ByteBuffer view = ring.claim();
                if (view == null) {
                    overflow.clear();
                    if (channel.receive(overflow) != null) {
                        counters.countIn(overflow.position());
                        counters.increment(Counter.DROPPED);
                        dropLog.warn("dropping datagrams from {}: the output is not keeping up (raise --buffer)",
                            endpoint.text());
                    }
                    continue;
                }
                int start = view.position();
                if (channel.receive(view) != null) {
                    int length = view.position() - start;
                    counters.countIn(length);
                    ring.commit(length);
                }
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException | RuntimeException e) {
                if (closed || !channel.isOpen()) {
                    return;
                }
                counters.increment(Counter.ERRORS);
                errorLog.warn("receive error on " + endpoint.text() + ": {}", Errors.describe(e));
            }
        }
    }

    /**
     * Datagrams the kernel accepted before a stop (SIGTERM right after a sender finished) are ours to write: wait
     * until the receive queue is empty, as the thread keeps reading, before closing the socket would discard it.
     */
    private void drainKernelQueue() {
        long deadline = System.nanoTime() + DRAIN_NANOS;
        while (!closed && thread.isAlive() && KernelDrops.queuedBytes(channel) > 0 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(DRAIN_POLL_NANOS);
        }
    }

    /** @return the endpoint. */
    public Endpoint endpoint() {
        return endpoint;
    }

    /** @return the kernel's drop count for this socket (Linux), its last value once closed, or -1. */
    public long kernelDrops() {
        return closed ? kernelDropsAtClose : KernelDrops.forChannel(channel);
    }

    /**
     * Stops receiving: lets the thread read what the kernel already holds for this socket (up to
     * {@link #DRAIN_NANOS}), then closes the socket and waits for the thread to end.
     */
    @Override
    public void close() {
        drainKernelQueue();
        if (!closed && channel.isOpen()) {
            kernelDropsAtClose = KernelDrops.forChannel(channel);
        }
        closed = true;
        UdpChannels.closeQuietly(channel);
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
