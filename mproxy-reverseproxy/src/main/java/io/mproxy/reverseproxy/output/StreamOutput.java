package io.mproxy.reverseproxy.output;

import io.mproxy.common.Errors;
import io.mproxy.common.stats.Counter;
import io.mproxy.common.stats.Counters;
import io.mproxy.common.stats.RateLimitedLog;
import io.mproxy.common.tcp.TcpCork;
import io.mproxy.reverseproxy.broadcast.BroadcastRing;
import io.mproxy.reverseproxy.broadcast.GroupReader;
import io.mproxy.reverseproxy.broadcast.RingCursor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the group's stream from a {@link RingCursor} to one TCP connection: gathering writes straight from the
 * ring (no copy), many datagrams per write, the socket in non-blocking mode so a write never holds on to ring
 * memory while the peer is slow. Only the unwritten rest of a record (a datagram, or a run of them kept whole) cut by
 * a full socket buffer is copied (to {@code carry}), so the stream stays whole-datagram even when this output skips
 * ahead.
 *
 * <p>An output more than {@link ClientLimits#clientBuffer()} behind the group is slow: by policy it skips to the
 * newest data (the skipped datagrams are counted as dropped) or is disconnected. Nothing it does can slow the group
 * reader or the other outputs.
 */
final class StreamOutput {
    private static final Logger LOG = LoggerFactory.getLogger(StreamOutput.class);
    /** Records per gathering write (well under IOV_MAX, 1024). */
    static final int BATCH = 256;
    /** How long to wait for the socket to take more before checking how far behind this output is. */
    private static final long WRITABLE_WAIT_MILLIS = 20;
    private static final long IDLE_WAIT_MILLIS = 200;
    /**
     * After a write that did not fill a batch, wait this long before looking again, so that under load each write
     * carries many datagrams and the group reader rarely has to wake anyone; 1 ms of added latency at most.
     */
    private static final long LINGER_NANOS = 1_000_000L;

    private final RingCursor cursor;
    private final ClientLimits limits;
    private final Counters counters;
    private final CarriedRecord carry;
    private final ByteBuffer scratch = ByteBuffer.allocateDirect(4096);
    private final int[] lengths = new int[BATCH];
    private final RateLimitedLog slowLog = new RateLimitedLog(StreamOutput.class, 1000);
    private final Runnable waiter = this::signal;
    private final BroadcastRing ring;
    private final boolean endOnPeerShutdown;
    private volatile Selector selector;
    private volatile boolean waiting;
    private volatile boolean stopping;
    private volatile long stopDeadline;
    private long sessionDatagrams;
    private long sessionBytes;
    private long sessionDropped;
    private boolean disconnectedAsSlow;
    /** The peer shut down its sending side: stop watching it for reading. */
    private boolean readClosed;

    /**
     * @param ring     the group's ring.
     * @param limits   the slow-client limits.
     * @param counters the output's counters (shared by its clients): datagrams and bytes out, dropped, errors.
     * @param endOnPeerShutdown true to end the connection when the peer shuts down its sending side (a server),
     *                          false to keep writing (a client that only reads, such as {@code socat -u}).
     */
    StreamOutput(BroadcastRing ring, ClientLimits limits, Counters counters, boolean endOnPeerShutdown) {
        this.ring = ring;
        this.cursor = new RingCursor(ring, BATCH);
        this.limits = limits;
        this.counters = counters;
        this.endOnPeerShutdown = endOnPeerShutdown;
        this.carry = new CarriedRecord(GroupReader.maxRecord());
    }

    /**
     * Starts at the newest data.
     *
     * @param countSkipped true to count what was skipped as dropped (a downstream coming back), false for a new
     *                     client that wants the stream from now on.
     */
    void toTail(boolean countSkipped) {
        cursor.toTail(countSkipped);
    }

    /**
     * Writes to {@code channel} until the peer goes, the output is too slow (disconnect policy) or {@link #stop}.
     * Logs the outcome; does not close the channel.
     *
     * @param channel a connected channel; made non-blocking.
     * @param name    names the connection in logs.
     * @param cork    corks each batch, or null.
     * @return true when it ended because of {@link #stop}.
     */
    boolean serve(SocketChannel channel, String name, TcpCork cork) {
        sessionDatagrams = 0;
        sessionBytes = 0;
        sessionDropped = 0;
        disconnectedAsSlow = false;
        readClosed = false;
        carry.clear();
        String reason;
        try (Selector sel = Selector.open()) {
            selector = sel;
            channel.configureBlocking(false);
            SelectionKey key = channel.register(sel, SelectionKey.OP_READ);
            ring.addWaiter(waiter);
            try {
                reason = loop(channel, key, name, cork);
            } finally {
                ring.removeWaiter(waiter);
                selector = null;
            }
        } catch (IOException | RuntimeException e) {
            reason = Errors.describe(e);
        }
        boolean stopped = reason == null;
        if (stopped || disconnectedAsSlow) {
            dropped(cursor.abandon() + carry.unwritten());
        } else {
            dropped(carry.unwritten());
        }
        String summary = "sent " + sessionDatagrams + " datagrams (" + sessionBytes + " bytes), dropped "
            + sessionDropped;
        if (stopped) {
            LOG.info("{} closed at shutdown: {}", name, summary);
        } else {
            LOG.info("{} gone: {}; {}", name, reason, summary);
        }
        return stopped;
    }

    /** @return null when stopped, else why the connection ended. */
    private String loop(SocketChannel channel, SelectionKey key, String name, TcpCork cork) throws IOException {
        ByteBuffer[] views = cursor.views();
        while (true) {
            if (stopping && (System.nanoTime() - stopDeadline > 0 || !carry.hasRemaining() && !cursor.hasData())) {
                return null;
            }
            if (cursor.lag() > limits.clientBuffer()) {
                if (limits.slow() == SlowClientPolicy.DISCONNECT) {
                    disconnectedAsSlow = true;
                    return "too slow (more than --client-buffer " + limits.clientBuffer() + " bytes behind), "
                        + "disconnected";
                }
                slowLog.warn("{} is too slow (more than --client-buffer behind): dropping datagrams", name);
                cursor.toTail(true);
            }
            if (carry.hasRemaining()) {
                sessionBytes += write(channel, carry.bytes());
                delivered(carry.completed());
                if (carry.hasRemaining()) {
                    awaitWritable(channel, key);
                }
                continue;
            }
            int count = cursor.gather();
            if (count == 0) {
                awaitData(channel, key);
                continue;
            }
            if (!cursor.intact()) {
                cursor.toTail(true);
                continue;
            }
            for (int i = 0; i < count; i++) {
                lengths[i] = views[i].remaining();
            }
            long written;
            if (cork != null) {
                cork.cork();
            }
            try {
                written = channel.write(views, 0, count);
            } finally {
                if (cork != null) {
                    cork.uncork();
                }
            }
            if (!cursor.intact()) {
                counters.increment(Counter.ERRORS);
                return "overrun while writing (the ring was overwritten under the write), disconnected";
            }
            sessionBytes += written;
            counters.add(Counter.BYTES_OUT, written);
            int full = 0;
            while (full < count && !views[full].hasRemaining()) {
                full++;
            }
            int advanced = full;
            int datagrams = cursor.datagrams(0, full);
            if (full < count && views[full].remaining() < lengths[full]) {
                datagrams += carry.keep(views[full], lengths[full], cursor.segmentSize(full), cursor.datagrams(full));
                advanced++;
            }
            dropped(cursor.advance(advanced));
            delivered(datagrams);
            if (advanced < count || carry.hasRemaining()) {
                awaitWritable(channel, key);
            } else if (count < BATCH && !stopping) {
                LockSupport.parkNanos(this, LINGER_NANOS);
            }
        }
    }

    private long write(SocketChannel channel, ByteBuffer buffer) throws IOException {
        int written = channel.write(buffer);
        counters.add(Counter.BYTES_OUT, written);
        return written;
    }

    private void delivered(int datagrams) {
        sessionDatagrams += datagrams;
        counters.add(Counter.DATAGRAMS_OUT, datagrams);
    }

    private void dropped(long datagrams) {
        if (datagrams > 0) {
            sessionDropped += datagrams;
            counters.add(Counter.DROPPED, datagrams);
        }
    }

    private void awaitWritable(SocketChannel channel, SelectionKey key) throws IOException {
        int watch = readClosed ? 0 : SelectionKey.OP_READ;
        key.interestOps(watch | SelectionKey.OP_WRITE);
        select(channel, key, WRITABLE_WAIT_MILLIS);
        key.interestOps(readClosed ? 0 : SelectionKey.OP_READ);
    }

    private void awaitData(SocketChannel channel, SelectionKey key) throws IOException {
        waiting = true;
        try {
            if (cursor.hasData() || stopping) {
                return;
            }
            select(channel, key, IDLE_WAIT_MILLIS);
        } finally {
            waiting = false;
        }
    }

    /**
     * Waits, and reads (discards) whatever the peer sends, so that a peer that resets is noticed at once. A peer
     * that only shuts down its sending side ({@code socat -u}, {@code nc -N}) still reads: it keeps its stream, and
     * a peer that has really gone makes the next write fail. A downstream server that shuts down its side is
     * taken as gone at once.
     */
    private void select(SocketChannel channel, SelectionKey key, long millis) throws IOException {
        Selector sel = key.selector();
        if (sel.select(millis) == 0 || !key.isReadable() || (key.interestOps() & SelectionKey.OP_READ) == 0) {
            sel.selectedKeys().clear();
            return;
        }
        sel.selectedKeys().clear();
        int read;
        do {
            scratch.clear();
            read = channel.read(scratch);
        } while (read > 0);
        if (read < 0) {
            if (endOnPeerShutdown) {
                throw new IOException("closed by the peer");
            }
            readClosed = true;
            key.interestOps(key.interestOps() & ~SelectionKey.OP_READ);
        }
    }

    /** Called by the group reader after each datagram: wakes this output only if it waits for data. */
    private void signal() {
        if (waiting) {
            waiting = false;
            Selector sel = selector;
            if (sel != null) {
                sel.wakeup();
            }
        }
    }

    /**
     * Asks {@link #serve} to return once everything the ring holds is written, or after the deadline.
     *
     * @param deadlineNanos a {@link System#nanoTime()} value.
     */
    void stop(long deadlineNanos) {
        stopDeadline = deadlineNanos;
        stopping = true;
        Selector sel = selector;
        if (sel != null) {
            sel.wakeup();
        }
    }

    /** @return true once {@link #stop} was called. */
    boolean stopping() {
        return stopping;
    }

    /** Counts as dropped what this output never delivered (a downstream down at shutdown). */
    void dropUndelivered() {
        dropped(cursor.abandon());
    }
}
