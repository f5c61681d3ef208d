package io.mproxy.server;

import io.mproxy.common.Errors;
import io.mproxy.common.io.AppendOutput;
import io.mproxy.common.ring.DatagramRing;
import io.mproxy.common.ring.RecordHandler;
import io.mproxy.common.ring.Wakeup;
import io.mproxy.common.stats.Counter;
import io.mproxy.common.stats.Counters;
import io.mproxy.common.stats.RateLimitedLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drains rings into one output (and stdout with tee) on its own thread: whole datagrams only, many per gathering
 * write, written as soon as they arrive (no user-space buffering). A failed write (disk full) drops that batch,
 * counted and logged, and carries on; SIGHUP reopens the file.
 */
final class RingWriter implements RecordHandler, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RingWriter.class);
    private static final int BATCH = 512;
    /**
     * Held around each batch copied to stdout: with one file per listener, several writers tee to the one stdout,
     * and a pipe that fills lets a large write be interleaved with another writer's (half lines).
     */
    private static final Object STDOUT = new Object();
    private static final long IDLE_WAIT_NANOS = 100_000_000L;
    /**
     * After a write, sleep this long before looking again (without asking to be woken), so that under load each
     * write carries hundreds of datagrams and the receiving thread never pays for a wake-up; 1 ms is far inside the
     * 100 ms within which data must reach the file.
     */
    private static final long LINGER_NANOS = 1_000_000L;

    private final DatagramRing[] rings;
    private final ByteBuffer[][] views;
    private final int[] starts = new int[BATCH];
    private final AppendOutput output;
    private final FileChannel tee;
    private final Wakeup wakeup;
    private final Counters counters;
    private final RateLimitedLog errorLog = new RateLimitedLog(RingWriter.class, 1000);
    private final Thread thread;
    private ByteBuffer[] current;
    private int count;
    private volatile boolean reopen;
    private volatile boolean stopping;
    private volatile Runnable onStdoutClosed = () -> { };

    RingWriter(List<DatagramRing> rings, Wakeup wakeup, AppendOutput output, boolean tee) {
        this.rings = rings.toArray(DatagramRing[]::new);
        this.views = new ByteBuffer[this.rings.length][];
        this.wakeup = wakeup;
        this.output = output;
        this.tee = tee && !output.isStdout() ? AppendOutput.stdout() : null;
        this.counters = new Counters("output " + output.path(),
            EnumSet.of(Counter.DATAGRAMS_OUT, Counter.BYTES_OUT, Counter.DROPPED, Counter.ERRORS));
        this.thread = Thread.ofPlatform().name("write " + output.path()).unstarted(this::run);
    }

    Counters counters() {
        return counters;
    }

    RingWriter start(Runnable onStdoutClosed) {
        this.onStdoutClosed = onStdoutClosed;
        thread.start();
        return this;
    }

    /** Asks for the output file to be reopened before the next write (SIGHUP). */
    void reopen() {
        reopen = true;
        wakeup.wake();
    }

    private void run() {
        for (int r = 0; r < rings.length; r++) {
            views[r] = new ByteBuffer[BATCH];
        }
        while (true) {
            if (reopen) {
                reopen = false;
                reopenOutput();
            }
            int written = 0;
            for (int r = 0; r < rings.length; r++) {
                written += drainOnce(r);
            }
            if (written == 0) {
                if (stopping) {
                    return;
                }
                wakeup.await(this::hasWork, IDLE_WAIT_NANOS);
            } else if (written < BATCH && !stopping) {
                LockSupport.parkNanos(this, LINGER_NANOS);
            }
        }
    }

    private boolean hasWork() {
        if (stopping || reopen) {
            return true;
        }
        for (DatagramRing ring : rings) {
            if (ring.hasRecords()) {
                return true;
            }
        }
        return false;
    }

    /** @return how many datagrams were written. */
    private int drainOnce(int r) {
        DatagramRing ring = rings[r];
        current = views[r];
        count = 0;
        int records = ring.read(this, BATCH);
        if (records == 0) {
            return 0;
        }
        long bytes = 0;
        for (int i = 0; i < count; i++) {
            bytes += current[i].remaining();
        }
        write(bytes);
        ring.release();
        return records;
    }

    @Override
    public void onRecord(ByteBuffer buffer, int offset, int length) {
        ByteBuffer view = current[count];
        if (view == null || view.capacity() != buffer.capacity()) {
            view = buffer.duplicate();
            current[count] = view;
        }
        view.limit(offset + length).position(offset);
        starts[count] = offset;
        count++;
    }

    private void write(long bytes) {
        try {
            output.write(current, count);
            counters.add(Counter.DATAGRAMS_OUT, count);
            counters.add(Counter.BYTES_OUT, bytes);
        } catch (IOException e) {
            counters.add(Counter.DROPPED, count);
            counters.increment(Counter.ERRORS);
            if (output.isStdout() && Errors.isBrokenPipe(e)) {
                onStdoutClosed.run();
                return;
            }
            errorLog.warn("cannot write " + output.path() + ", datagrams dropped: {}", Errors.describe(e));
        }
        if (tee != null) {
            for (int i = 0; i < count; i++) {
                current[i].position(starts[i]);
            }
            try {
                synchronized (STDOUT) {
                    AppendOutput.writeFully(tee, current, count);
                }
            } catch (IOException e) {
                counters.increment(Counter.ERRORS);
                if (Errors.isBrokenPipe(e)) {
                    onStdoutClosed.run();
                } else {
                    errorLog.warn("cannot write stdout (--tee): {}", Errors.describe(e));
                }
            }
        }
    }

    private void reopenOutput() {
        try {
            if (output.reopen()) {
                LOG.info("reopened {}", output.path());
            } else {
                LOG.info("kept {} open: not a regular file", output.path());
            }
        } catch (IOException e) {
            counters.increment(Counter.ERRORS);
            LOG.warn("{}; still writing the old file", Errors.describe(e));
        }
    }

    /** Writes everything the rings hold, then stops and closes the output. */
    @Override
    public void close() {
        stopping = true;
        wakeup.wake();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            output.close();
        } catch (IOException e) {
            LOG.warn("closing {}: {}", output.path(), Errors.describe(e));
        }
    }
}
