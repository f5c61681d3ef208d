package io.mproxy.common.net;

import io.mproxy.common.Errors;
import io.mproxy.common.lifecycle.Threads;
import io.mproxy.common.stats.Counter;
import io.mproxy.common.stats.Counters;
import io.mproxy.common.stats.RateLimitedLog;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A platform thread that receives from one blocking UDP socket until closed, each receive done by a {@link Step}.
 * What every such thread needs is here once: an error on one receive is counted and logged (at most once a second)
 * and the loop goes on; {@link #close()} ends a blocked receive by closing the socket, and the kernel's drop count
 * read just before is kept for the exit summary.
 *
 * <pre>{@code
 * ByteBuffer buffer = ByteBuffer.allocateDirect(UdpChannels.MAX_UDP_PAYLOAD);
 * UdpReceiveLoop loop = new UdpReceiveLoop("udp-input " + endpoint.text(), endpoint.text(), channel, counters,
 *     ch -> {
 *         buffer.clear();
 *         if (ch.receive(buffer) != null) {
 *             counters.countIn(buffer.flip().remaining());
 *             sink.accept(buffer);
 *         }
 *     }).start();
 * }</pre>
 */
public final class UdpReceiveLoop implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UdpReceiveLoop.class);
    private static final long DRAIN_POLL_NANOS = 1_000_000L;

    /** One receive: takes the next datagram from the channel (blocking) and passes it on. */
    @FunctionalInterface
    public interface Step {
        /**
         * @param channel the socket to receive from.
         * @throws IOException on a receive error (counted and logged; the loop goes on).
         */
        void receive(DatagramChannel channel) throws IOException;
    }

    private final String source;
    private final DatagramChannel channel;
    private final Counters counters;
    private final Step step;
    private final RateLimitedLog errorLog = new RateLimitedLog(UdpReceiveLoop.class, 1000);
    private final Thread thread;
    private volatile boolean closed;
    private final SocketDropCount drops;
    private volatile boolean urgent;

    /**
     * @param threadName the receiving thread's name.
     * @param source     what the socket receives from, for messages ({@code receive error on SOURCE: ...}).
     * @param channel    a bound, blocking channel; this loop closes it.
     * @param counters   counts receive errors ({@link Counter#ERRORS}).
     * @param step       one receive, run on the thread until the loop is closed.
     */
    public UdpReceiveLoop(String threadName, String source, DatagramChannel channel, Counters counters, Step step) {
        this.source = Objects.requireNonNull(source, "source");
        this.channel = Objects.requireNonNull(channel, "channel");
        this.drops = new SocketDropCount(channel);
        this.counters = Objects.requireNonNull(counters, "counters");
        this.step = Objects.requireNonNull(step, "step");
        this.thread = Thread.ofPlatform().name(threadName).unstarted(this::run);
    }

    /**
     * Runs the thread ahead of ordinary work where the process may ({@link ThreadPriority}): for loops whose data
     * is lost when they wait for a CPU. Call before {@link #start()}.
     *
     * @return this for a fluent API.
     */
    public UdpReceiveLoop urgent() {
        urgent = true;
        return this;
    }

    /** Starts the receiving thread. @return this for a fluent API. */
    public UdpReceiveLoop start() {
        thread.start();
        return this;
    }

    private void run() {
        if (urgent) {
            ThreadPriority.setNice(ThreadPriority.RECEIVER_NICE);
        }
        while (!closed) {
            try {
                step.receive(channel);
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException | RuntimeException e) {
                if (closed || !channel.isOpen()) {
                    return;
                }
                counters.increment(Counter.ERRORS);
                errorLog.warn("receive error on " + source + ": {}", Errors.describe(e));
            }
        }
    }

    /** @return the kernel's drop count for the socket (Linux), its last value once closed, or -1. */
    public long kernelDrops() {
        return drops.get();
    }

    /**
     * Waits until the thread has read everything the kernel holds for the socket, at most {@code timeoutNanos}:
     * datagrams the kernel accepted before a stop (SIGTERM right after a sender finished) are ours to pass on, and
     * closing the socket would discard them.
     *
     * @param timeoutNanos the longest wait.
     */
    public void awaitKernelQueueRead(long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        while (!closed && thread.isAlive() && KernelDrops.queuedBytes(channel) > 0 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(DRAIN_POLL_NANOS);
        }
    }

    /** Stops: closes the socket (ending a blocked receive) and waits for the thread to end. */
    @Override
    public void close() {
        drops.keep();
        closed = true;
        UdpChannels.closeQuietly(channel);
        Threads.join(thread, 5_000);
    }
}
