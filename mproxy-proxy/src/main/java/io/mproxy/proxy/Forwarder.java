package io.mproxy.proxy;

import io.mproxy.common.Errors;
import io.mproxy.common.io.AppendOutput;
import io.mproxy.common.net.UdpFanOut;
import io.mproxy.common.ring.DatagramRing;
import io.mproxy.common.ring.RecordHandler;
import io.mproxy.common.ring.Wakeup;
import io.mproxy.common.stats.RateLimitedLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that sends: drains every input's ring, in turn, into the fan-out (one connected socket per
 * downstream) and, with tee, copies each batch to stdout in one gathering write. Being the only user of the fan-out
 * and of stdout, it needs no lock, and datagrams of different inputs never interleave. Datagrams go out as soon as
 * they are read: no lingering to fill batches, since each is one send anyway.
 */
final class Forwarder implements RecordHandler, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Forwarder.class);
    private static final int BATCH = 256;
    private static final long IDLE_WAIT_NANOS = 100_000_000L;

    private final DatagramRing[] rings;
    private final ByteBuffer[][] views;
    private final UdpFanOut fanOut;
    private final FileChannel tee;
    private final Wakeup wakeup;
    private final Runnable onStdoutClosed;
    private final RateLimitedLog teeErrors = new RateLimitedLog(LOG, 1000);
    private final Thread thread;
    private ByteBuffer[] current;
    private int count;
    private volatile boolean stopping;

    /**
     * @param rings          the inputs' rings, all signalling {@code wakeup}.
     * @param wakeup         the wake-up the rings share.
     * @param fanOut         the downstreams, or null for none (tee only).
     * @param tee            copy every datagram to stdout.
     * @param onStdoutClosed runs when stdout is a closed pipe.
     */
    Forwarder(List<DatagramRing> rings, Wakeup wakeup, UdpFanOut fanOut, boolean tee, Runnable onStdoutClosed) {
        this.rings = rings.toArray(DatagramRing[]::new);
        this.views = new ByteBuffer[this.rings.length][BATCH];
        this.wakeup = wakeup;
        this.fanOut = fanOut;
        this.tee = tee ? AppendOutput.stdout() : null;
        this.onStdoutClosed = onStdoutClosed;
        this.thread = Thread.ofPlatform().name("forward").unstarted(this::run);
    }

    /** Starts the sending thread. @return this for a fluent API. */
    Forwarder start() {
        thread.start();
        return this;
    }

    private void run() {
        while (true) {
            int forwarded = 0;
            for (int r = 0; r < rings.length; r++) {
                forwarded += drainOnce(r);
            }
            if (forwarded == 0) {
                if (stopping) {
                    return;
                }
                wakeup.await(this::hasWork, IDLE_WAIT_NANOS);
            }
        }
    }

    private boolean hasWork() {
        if (stopping) {
            return true;
        }
        for (DatagramRing ring : rings) {
            if (ring.hasRecords()) {
                return true;
            }
        }
        return false;
    }

    private int drainOnce(int r) {
        DatagramRing ring = rings[r];
        current = views[r];
        count = 0;
        int records = ring.read(this, BATCH);
        if (records > 0) {
            if (tee != null) {
                copyToStdout();
            }
            ring.release();
        }
        return records;
    }

    @Override
    public void onRecord(ByteBuffer buffer, int offset, int length) {
        ByteBuffer view = current[count];
        if (view == null) {
            view = buffer.duplicate();
            current[count] = view;
        }
        view.limit(offset + length).position(offset);
        if (fanOut != null) {
            fanOut.accept(view);
            view.position(offset);
        }
        count++;
    }

    private void copyToStdout() {
        try {
            AppendOutput.writeFully(tee, current, count);
        } catch (IOException e) {
            if (String.valueOf(e.getMessage()).contains("Broken pipe")) {
                onStdoutClosed.run();
            } else {
                teeErrors.warn("cannot write stdout (--tee): {}", Errors.describe(e));
            }
        }
    }

    /** Sends everything the rings hold (call once the inputs are closed), then stops. */
    @Override
    public void close() {
        stopping = true;
        wakeup.wake();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
