package io.mproxy.relay.listen;

import io.mproxy.common.Errors;
import io.mproxy.common.lifecycle.Threads;
import io.mproxy.common.net.ThreadPriority;
import io.mproxy.common.stats.Counter;
import io.mproxy.common.stats.Counters;
import io.mproxy.common.stats.RateLimitedLog;
import io.mproxy.relay.queue.PacketRing;
import java.io.IOException;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that drains the listening socket straight into the {@link PacketRing} (in batches where the socket
 * allows). A receive error is counted
 * and logged (rate-limited) and the loop carries on: one bad receive never ends the listener. When the ring is full
 * (every worker's queue is at its limit) it waits for room rather than drop: the kernel's buffer takes up the slack.
 * The thread runs ahead of the workers where the process may ({@link ThreadPriority}, nice -10): the socket overflows
 * whenever it waits for a CPU longer than its buffer lasts (bench job 4, 2 busy cores, 400 k pkt/s of 1400 B: 42-139 k
 * kernel drops in 2 s at the default priority, 0-3.6 k with it).
 */
public final class Listener implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Listener.class);
    private static final long FULL_WAIT_NANOS = 50_000;
    private static final int MAX_DRAIN = 1_000_000;

    private final String name;
    private final DatagramSource source;
    private final PacketRing ring;
    private final Counters counters;
    private final RateLimitedLog errorLog = new RateLimitedLog(Listener.class, 1000);
    private final RateLimitedLog fullLog = new RateLimitedLog(Listener.class, 5000);
    private final Thread thread;
    private volatile boolean stop;
    private volatile boolean drain;

    /**
     * @param name     the listener's spec, for messages.
     * @param source   the bound socket; closed by {@link #close()}.
     * @param ring     where packets go.
     * @param counters counts packets and bytes in, errors.
     */
    public Listener(String name, DatagramSource source, PacketRing ring, Counters counters) {
        this.name = name;
        this.source = source;
        this.ring = ring;
        this.counters = counters;
        this.thread = Thread.ofPlatform().name("listener " + name).unstarted(this::run);
    }

    /** @return the socket. */
    public DatagramSource source() {
        return source;
    }

    /** Starts the thread. @return this for a fluent API. */
    public Listener start() {
        thread.start();
        return this;
    }

    private void run() {
        ThreadPriority.setNice(ThreadPriority.RECEIVER_NICE);
        while (!stop) {
            receiveOne(true);
        }
        if (drain) {
            for (int i = 0; i < MAX_DRAIN && receiveOne(false); i++) {
                // take what the kernel already holds: a re-bound listener loses nothing that arrived
            }
        }
    }

    /** @return false when nothing was there to receive (or the socket is closed). */
    private boolean receiveOne(boolean wait) {
        try {
            int received = source.receiveInto(ring, counters, wait);
            if (received == DatagramSource.NO_ROOM) {
                fullLog.warn("every queue is full: waiting for the workers ({})", name);
                LockSupport.parkNanos(FULL_WAIT_NANOS);
                return true;
            }
            return received > 0;
        } catch (IOException | RuntimeException e) {
            if (stop && !drain) {
                return false;
            }
            counters.increment(Counter.ERRORS);
            errorLog.warn("receive error on " + name + ": {}", Errors.describe(e));
            return !stop;
        }
    }

    /**
     * Stops receiving.
     *
     * @param drainFirst true to take what the kernel already holds for the socket first (a re-bind, SIGTERM), false
     *                   to leave it.
     */
    public void stop(boolean drainFirst) {
        drain = drainFirst;
        stop = true;
        Threads.join(thread, 0);
    }

    @Override
    public void close() {
        if (!stop) {
            stop(false);
        }
        source.close();
    }
}
