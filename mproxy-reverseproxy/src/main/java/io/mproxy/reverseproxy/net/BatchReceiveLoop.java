package io.mproxy.reverseproxy.net;

import io.mproxy.common.Errors;
import io.mproxy.common.lifecycle.Threads;
import io.mproxy.common.net.DatagramBatch;
import io.mproxy.common.net.NativeSocketOptions;
import io.mproxy.common.net.SocketDropCount;
import io.mproxy.common.net.ThreadPriority;
import io.mproxy.common.net.UdpChannels;
import io.mproxy.common.stats.Counter;
import io.mproxy.common.stats.Counters;
import io.mproxy.common.stats.RateLimitedLog;
import io.mproxy.common.stats.StatsReporter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A platform thread that drains one UDP socket a batch at a time: one {@code recvmmsg} for up to
 * {@value #BATCH} datagrams ({@link DatagramBatch}), handed whole to a {@link Handler}. The call itself waits for
 * the first datagram ({@code MSG_WAITFORONE}, with a receive timeout to notice a stop), so an idle-then-busy socket
 * costs one syscall per wake-up, not a poll and two receives. Where batches are unavailable it receives one
 * datagram per call, with a selector to sleep on. Datagrams and
 * bytes in are counted once per batch; a receive error is counted and logged (at most once a second) and the loop
 * goes on. {@link #close()} lets the thread take what the kernel already holds (up to 2 s), then closes the socket.
 */
public final class BatchReceiveLoop implements AutoCloseable {
    /** Datagrams per receive call. */
    public static final int BATCH = 64;
    /** Bytes per slot: room for the largest UDP payload, IPv4 or IPv6, and for a coalesced run. */
    public static final int SLOT = DatagramBatch.RUN_SLOT;
    private static final Logger LOG = LoggerFactory.getLogger(BatchReceiveLoop.class);
    private static final long WAIT_MILLIS = 100;
    private static final long DRAIN_NANOS = 2_000_000_000L;

    /** What is done with what was received, on the loop's thread. */
    public interface Handler {
        /**
         * @param batch the datagrams received.
         * @param count how many messages (at least one); each is one datagram unless the loop was made
         *              {@code coalesced} (see {@link DatagramBatch#segmentSize(int)}).
         * @throws IOException counted as an error; the loop goes on.
         */
        void onBatch(DatagramBatch batch, int count) throws IOException;

        /**
         * Receives the next batch; a handler may receive elsewhere than into the batch's slots
         * ({@link DatagramBatch#receiveInto}), straight where {@link #onBatch} keeps the bytes.
         *
         * @param batch the loop's batch.
         * @param fd    the socket.
         * @param wait  true to wait for the first message.
         * @return how many messages were received.
         * @throws IOException on a receive error.
         */
        default int receive(DatagramBatch batch, int fd, boolean wait) throws IOException {
            return batch.receive(fd, wait);
        }

        /**
         * Where batches are unavailable: one datagram.
         *
         * @param datagram the bytes between position and limit.
         * @throws IOException counted as an error; the loop goes on.
         */
        void onDatagram(ByteBuffer datagram) throws IOException;
    }

    private final String source;
    private final DatagramChannel channel;
    private final Counters counters;
    private final Handler handler;
    private final Selector selector;
    private final DatagramBatch batch;
    private final int fd;
    private final ByteBuffer single;
    private final RateLimitedLog errorLog = new RateLimitedLog(BatchReceiveLoop.class, 1000);
    private final Thread thread;
    private volatile boolean stopping;
    private volatile long stopAt;
    private final SocketDropCount drops;
    private volatile boolean urgent;
    private final boolean coalesced;

    /**
     * @param threadName the receiving thread's name.
     * @param source     what the socket receives from, for messages ({@code receive error on SOURCE: ...}).
     * @param channel    a bound channel; this loop makes it non-blocking and closes it.
     * @param counters   counts datagrams and bytes in, and receive errors.
     * @param handler    takes what was received.
     * @param coalesced  true to take runs of datagrams as one message where the kernel can
     *                   ({@link DatagramBatch#enableCoalescedReceive}); the handler must then cut them.
     * @throws IOException when the channel cannot be made non-blocking or the selector cannot be opened.
     */
    public BatchReceiveLoop(String threadName, String source, DatagramChannel channel, Counters counters,
                            Handler handler, boolean coalesced) throws IOException {
        this.source = Objects.requireNonNull(source, "source");
        this.channel = Objects.requireNonNull(channel, "channel");
        this.drops = new SocketDropCount(channel);
        this.counters = Objects.requireNonNull(counters, "counters");
        this.handler = Objects.requireNonNull(handler, "handler");
        int descriptor = NativeSocketOptions.descriptor(channel);
        DatagramBatch batched = descriptor >= 0 && DatagramBatch.isAvailable() ? new DatagramBatch(BATCH, SLOT) : null;
        this.coalesced = batched != null && coalesced && DatagramBatch.enableCoalescedReceive(descriptor);
        this.fd = descriptor;
        this.batch = batched;
        this.single = batched == null ? ByteBuffer.allocateDirect(SLOT) : null;
        if (batched != null && NativeSocketOptions.setReceiveTimeout(descriptor, WAIT_MILLIS)) {
            channel.configureBlocking(true);
            this.selector = null;
        } else {
            channel.configureBlocking(false);
            this.selector = Selector.open();
            try {
                channel.register(selector, SelectionKey.OP_READ);
            } catch (IOException | RuntimeException e) {
                UdpChannels.closeQuietly(selector);
                throw e;
            }
        }
        this.thread = Thread.ofPlatform().name(threadName).unstarted(this::run);
    }

    /**
     * Runs the thread ahead of ordinary work where the process may ({@link ThreadPriority}): the socket overflows
     * whenever this thread waits for a CPU longer than its buffer lasts, and on a busy machine the scheduler lets it
     * wait that long behind the outputs and their clients. Call before {@link #start()}.
     *
     * @return this for a fluent API.
     */
    public BatchReceiveLoop urgent() {
        urgent = true;
        return this;
    }

    /** Starts the receiving thread. @return this for a fluent API. */
    public BatchReceiveLoop start() {
        thread.start();
        return this;
    }

    private void run() {
        if (urgent) {
            ThreadPriority.setNice(ThreadPriority.RECEIVER_NICE);
        }
        while (true) {
            int received;
            try {
                received = receive();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException | RuntimeException e) {
                if (!channel.isOpen()) {
                    return;
                }
                counters.increment(Counter.ERRORS);
                errorLog.warn("receive error on " + source + ": {}", Errors.describe(e));
                received = 1;
            }
            if (received > 0) {
                if (stopping && System.nanoTime() - stopAt > DRAIN_NANOS) {
                    return;
                }
                continue;
            }
            if (stopping) {
                return;
            }
            if (selector == null) {
                continue;
            }
            try {
                selector.select(WAIT_MILLIS);
                selector.selectedKeys().clear();
            } catch (IOException | RuntimeException e) {
                return;
            }
        }
    }

    /** @return how many datagrams were taken (0: the socket is empty). */
    private int receive() throws IOException {
        if (batch == null) {
            single.clear();
            if (channel.receive(single) == null) {
                return 0;
            }
            counters.countIn(single.flip().remaining());
            handler.onDatagram(single);
            return 1;
        }
        int count = handler.receive(batch, fd, selector == null && !stopping);
        if (count > 0) {
            long bytes = 0;
            long datagrams = 0;
            for (int i = 0; i < count; i++) {
                bytes += batch.length(i);
                datagrams += batch.datagrams(i);
            }
            counters.add(Counter.DATAGRAMS_IN, datagrams);
            counters.add(Counter.BYTES_IN, bytes);
            handler.onBatch(batch, count);
        }
        return count;
    }

    /**
     * @return what {@link #kernelDrops()} counts: {@link StatsReporter#KERNEL_DROPPED_RUNS} where the socket takes
     *         coalesced runs (the kernel counts a dropped run once), else {@link StatsReporter#KERNEL_DROPS}.
     */
    public String kernelDropsLabel() {
        return StatsReporter.kernelDropsLabel(coalesced);
    }

    /** @return the kernel's drop count for the socket (Linux), its last value once closed, or -1. */
    public long kernelDrops() {
        return drops.get();
    }

    /** Stops: the thread takes what the kernel holds for the socket (up to 2 s) and ends; then the socket closes. */
    @Override
    public void close() {
        if (!stopping) {
            stopAt = System.nanoTime();
            stopping = true;
            if (selector != null) {
                selector.wakeup();
            }
        }
        Threads.join(thread, DRAIN_NANOS / 1_000_000 + 5_000);
        drops.keep();
        UdpChannels.closeQuietly(channel);
        if (selector != null) {
            UdpChannels.closeQuietly(selector);
        }
        if (batch != null) {
            batch.close();
        }
    }
}
