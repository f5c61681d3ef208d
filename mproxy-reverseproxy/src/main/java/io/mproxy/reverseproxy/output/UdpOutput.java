package io.mproxy.reverseproxy.output;

import io.mproxy.common.lifecycle.Threads;
import io.mproxy.common.net.UdpFanOut;
import io.mproxy.common.ring.Wakeup;
import io.mproxy.common.stats.Counter;
import io.mproxy.common.stats.Counters;
import io.mproxy.common.stats.RateLimitedLog;
import io.mproxy.reverseproxy.broadcast.BroadcastRing;
import io.mproxy.reverseproxy.broadcast.RingCursor;
import java.nio.ByteBuffer;
import java.util.EnumSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --udp-output-addr}: sends each datagram of the group, as framed for the outputs, to every UDP destination
 * over connected channels, on its own thread. Falling more than {@code --client-buffer} behind skips to the newest
 * data (counted as dropped); per-destination send errors are counted by the {@link UdpFanOut}.
 */
public final class UdpOutput implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UdpOutput.class);
    private static final long IDLE_WAIT_NANOS = 100_000_000L;

    private final RingCursor cursor;
    private final UdpFanOut fanOut;
    private final ClientLimits limits;
    private final Counters counters;
    private final BroadcastRing ring;
    private final Wakeup wakeup = new Wakeup();
    private final Runnable waiter = wakeup::signal;
    private final RateLimitedLog slowLog = new RateLimitedLog(UdpOutput.class, 1000);
    private final Thread thread;
    private volatile boolean stopping;
    private volatile long stopDeadline;

    /**
     * @param ring   the group's ring.
     * @param fanOut the destinations; closed with this output.
     * @param limits how far behind it may fall.
     */
    public UdpOutput(BroadcastRing ring, UdpFanOut fanOut, ClientLimits limits) {
        this.ring = ring;
        this.cursor = new RingCursor(ring, StreamOutput.BATCH);
        this.fanOut = fanOut;
        this.limits = limits;
        this.counters = new Counters("udp outputs", EnumSet.of(Counter.DATAGRAMS_OUT, Counter.DROPPED));
        this.thread = Thread.ofPlatform().name("udp-output").unstarted(this::run);
    }

    /** @return datagrams taken from the group and datagrams dropped for being too far behind. */
    public Counters counters() {
        return counters;
    }

    /** Starts sending. @return this for a fluent API. */
    public UdpOutput start() {
        ring.addWaiter(waiter);
        thread.start();
        return this;
    }

    private void run() {
        ByteBuffer[] views = cursor.views();
        while (true) {
            if (stopping && (System.nanoTime() - stopDeadline > 0 || !cursor.hasData())) {
                counters.add(Counter.DROPPED, cursor.abandon());
                return;
            }
            if (cursor.lag() > limits.clientBuffer()) {
                slowLog.warn("{} too slow (more than --client-buffer behind): dropping datagrams", "udp output");
                cursor.toTail(true);
                continue;
            }
            int count = cursor.gather();
            if (count == 0) {
                wakeup.await(() -> stopping || cursor.hasData(), IDLE_WAIT_NANOS);
                continue;
            }
            if (!cursor.intact()) {
                cursor.toTail(true);
                continue;
            }
            for (int i = 0; i < count; i++) {
                send(views[i], cursor.segmentSize(i));
            }
            int datagrams = cursor.datagrams(0, count);
            counters.add(Counter.DROPPED, cursor.advance(count));
            counters.add(Counter.DATAGRAMS_OUT, datagrams);
        }
    }

    /** Sends one record: a datagram, or a run cut back into its datagrams. */
    private void send(ByteBuffer record, int segment) {
        int end = record.limit();
        if (segment <= 0 || record.remaining() <= segment) {
            fanOut.accept(record);
            return;
        }
        for (int at = record.position(); at < end; at += segment) {
            fanOut.accept(record.limit(Math.min(end, at + segment)).position(at));
        }
    }

    /**
     * Asks the thread to send what the ring holds, until the deadline, then stop.
     *
     * @param deadlineNanos a {@link System#nanoTime()} value.
     */
    public void stop(long deadlineNanos) {
        stopDeadline = deadlineNanos;
        stopping = true;
        wakeup.wake();
    }

    /** Stops (if not yet), waits for the thread, closes the channels. */
    @Override
    public void close() {
        if (!stopping) {
            stop(System.nanoTime() + limits.drainMillis() * 1_000_000L);
        }
        Threads.join(thread, limits.drainMillis() + 5_000);
        ring.removeWaiter(waiter);
        fanOut.close();
    }
}
