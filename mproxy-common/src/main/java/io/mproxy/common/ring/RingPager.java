package io.mproxy.common.ring;

import io.mproxy.common.lifecycle.Threads;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;

/**
 * A thread that pages the memory of {@link DatagramRing#paged paged rings}: it faults pages in ahead of each ring's
 * producer (woken by the producer when it nears the end of what is present), so that a receiving thread never waits
 * for a page fault, and gives back the pages that hold no backlog after a period of {@code idleNanos} in which a ring
 * received less than a quarter of its size, so that the memory a burst needed is returned after it.
 *
 * <pre>{@code
 * RingPager pager = new RingPager(RingPager.DEFAULT_IDLE_NANOS).start();
 * DatagramRing ring = DatagramRing.paged(256 << 20, UdpChannels.MAX_UDP_PAYLOAD, wakeup, pager);
 * ...
 * pager.close();
 * }</pre>
 */
public final class RingPager implements AutoCloseable {
    /** The period over which a ring must receive little (a quarter of its size) before pages are given back. */
    public static final long DEFAULT_IDLE_NANOS = 5_000_000_000L;
    /** The longest sleep between looks at the rings when no producer wakes the thread. */
    private static final long PERIOD_NANOS = 500_000_000L;

    private final List<Pages> rings = new CopyOnWriteArrayList<>();
    private final long idleNanos;
    private final Thread thread;
    private volatile boolean closed;

    /**
     * @param idleNanos the period over which a ring must receive little before pages are given back.
     */
    public RingPager(long idleNanos) {
        this.idleNanos = idleNanos;
        this.thread = Thread.ofPlatform().daemon().name("ring-pager").unstarted(this::run);
    }

    /** Starts the thread. @return this for a fluent API. */
    public RingPager start() {
        thread.start();
        return this;
    }

    void add(DatagramRing ring) {
        rings.add(new Pages(ring));
        wake();
    }

    /** Wakes the thread: a producer neared the end of what is present. */
    void wake() {
        LockSupport.unpark(thread);
    }

    private void run() {
        while (!closed) {
            long now = System.nanoTime();
            for (Pages pages : rings) {
                pages.page(now, idleNanos);
            }
            LockSupport.parkNanos(this, PERIOD_NANOS);
        }
    }

    /** Stops the thread (the rings keep the pages they have). */
    @Override
    public void close() {
        closed = true;
        wake();
        Threads.join(thread, 5_000);
    }

    /** One ring, and where its producer was when the current period began. */
    private static final class Pages {
        private final DatagramRing ring;
        private long tail;
        private long periodTail;
        private long periodStart = System.nanoTime();

        Pages(DatagramRing ring) {
            this.ring = ring;
        }

        /**
         * Faults in ahead of the producer when it moved; gives back what holds neither backlog nor what is faulted
         * in ahead when, over a whole period, the producer moved less than a quarter of the ring (idle, or a rate
         * that never needs the whole ring: it would otherwise touch all of it, lap after lap).
         */
        void page(long now, long periodNanos) {
            long published = ring.published();
            if (published != tail) {
                tail = published;
                ring.memory().extend(published);
            }
            if (now - periodStart >= periodNanos) {
                if (published - periodTail < ring.capacity() / 4) {
                    ring.memory().trim(ring.released(), published);
                }
                periodStart = now;
                periodTail = published;
            }
        }
    }
}
