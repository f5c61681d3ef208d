package io.mproxy.relay;

import io.mproxy.common.Errors;
import io.mproxy.common.framing.Framing;
import io.mproxy.common.lifecycle.Threads;
import io.mproxy.common.net.SocketSpec;
import io.mproxy.common.stats.Counter;
import io.mproxy.common.stats.Counters;
import io.mproxy.common.stats.RateLimitedLog;
import io.mproxy.common.tcp.Backoff;
import io.mproxy.relay.link.Link;
import io.mproxy.relay.link.TcpLink;
import io.mproxy.relay.queue.PacketRing;
import io.mproxy.relay.spill.SpillStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One destination: takes its whole queue from the ring and writes it as few large writes as it can (a gathering,
 * corked write per batch on TCP; one datagram per packet on UDP and unix sockets). While the destination is down,
 * packets older than {@code spill_after}, or beyond the queue limit, go to its {@link SpillStore}; once it is back,
 * the spill is replayed in order, before newer packets, at most {@code replay_rate} faster than the live traffic. What
 * can be neither sent nor spilled goes to the {@link Fallback}.
 *
 * <p>No half frame is ever followed by another frame: a frame is sent whole or, when the connection fails part way,
 * sent again whole on the next connection (the reader saw the first half end with the connection). Frames the
 * kernel took completely are never sent again, so nothing arrives twice.
 */
final class Worker {
    private static final Logger LOG = LoggerFactory.getLogger(Worker.class);
    /** The most packets in one batch (one gathering write; the kernel's IOV_MAX). */
    static final int MAX_BATCH = TcpLink.MAX_GATHER;
    /** The most bytes in one batch. */
    private static final long MAX_BATCH_BYTES = 4L << 20;
    private static final int MAX_SPILL_PASS = 8192;
    private static final long IDLE_NANOS = 50_000_000L;

    private final SocketSpec spec;
    private final Link link;
    private final PacketRing.Cursor cursor;
    private final SpillStore spill;
    private final Fallback fallback;
    private final Counters counters;
    private final RelayContext settings;
    private final Backoff backoff;
    private final boolean withLength;
    private final ByteBuffer ring;
    private final ByteBuffer[] ringFrames = new ByteBuffer[MAX_BATCH];
    private final ByteBuffer[] spillFrames = new ByteBuffer[MAX_BATCH];
    private final long[] slotEnd = new long[MAX_BATCH];
    private final long[] slotCount = new long[MAX_BATCH];
    private final int[] slotLength = new int[MAX_BATCH];
    private final RateLimitedLog downLog = new RateLimitedLog(Worker.class, 5000);
    private final RateLimitedLog errorLog = new RateLimitedLog(Worker.class, 1000);
    private final SpillStore.FailedRecords toFallback = this::handOn;
    private final Thread thread;
    private final long spillAfterNanos;
    private final long limitBytes;
    private final long maxBatchBytes;
    private final PacketRing packets;
    private ByteBuffer[] frames;
    private int batchCount;
    private int batchDone;
    private boolean fromSpill;
    private boolean connected;
    private boolean connecting;
    private boolean everConnected;
    private long connectStarted;
    private long nextAttempt;
    private long lastProgress;
    private long countedUpTo;
    private long tornSeen;
    private long replayTokens;
    private long replayRefilled = System.nanoTime();
    /** The ring's published position when the replay budget was last refilled: what arrived since is live traffic. */
    private long liveSeen;
    private volatile long stopAt = -1;
    private boolean stopping;
    private boolean spillAll;
    private long flushDeadline;

    Worker(SocketSpec spec, Link link, PacketRing ring, PacketRing.Cursor cursor, SpillStore spill, Fallback fallback,
           Counters counters, RelayContext settings) {
        this.spec = spec;
        this.link = link;
        this.cursor = cursor;
        this.spill = spill;
        this.fallback = fallback;
        this.counters = counters;
        this.settings = settings;
        this.backoff = new Backoff(settings.reconnectMin(), settings.reconnectMax());
        this.withLength = link.isStream() && settings.framing() == Framing.LENGTH;
        this.ring = ring.duplicateBuffer();
        this.spillAfterNanos = settings.spillAfter().toNanos();
        this.limitBytes = Math.min(settings.queueLimit(), ring.capacity()) / 2;
        this.maxBatchBytes = Math.min(MAX_BATCH_BYTES, limitBytes / 4);
        this.packets = ring;
        for (int i = 0; i < MAX_BATCH; i++) {
            ringFrames[i] = ring.duplicateBuffer();
            spillFrames[i] = spill.readBufferDuplicate();
        }
        this.countedUpTo = cursor.readCount();
        this.thread = Thread.ofPlatform().name("worker " + spec.text()).unstarted(this::run);
    }

    /** @return the destination. */
    SocketSpec spec() {
        return spec;
    }

    /** @return the ring cursor (detached by the relay when the worker ends). */
    PacketRing.Cursor cursor() {
        return cursor;
    }

    /** Starts the thread. @return this for a fluent API. */
    Worker start() {
        if (!spill.isEmpty()) {
            LOG.info("{}: {} bytes of spill from an earlier run in {}, replayed first", spec.text(), spill.bytes(),
                spill.dir());
        }
        thread.start();
        return this;
    }

    /**
     * Asks the worker to end after the packet at ring position {@code end}: it sends what it holds if its
     * destination is up (for at most {@code flush_timeout}), spills the rest, and ends.
     *
     * @param end the ring position after the last packet for this worker.
     */
    void stopAt(long end) {
        stopAt = end;
        cursor.wakeup().wake();
    }

    /** @param millis the longest wait. @return true when the thread ended. */
    boolean join(long millis) {
        return Threads.join(thread, millis);
    }

    private void run() {
        try {
            loop();
        } catch (IOException | RuntimeException e) {
            counters.increment(Counter.ERRORS);
            LOG.error("{}: worker failed: {}", spec.text(), Errors.describe(e), e);
        } finally {
            packets.detach(cursor);
            link.close();
            try {
                spill.flush(toFallback);
            } catch (IOException e) {
                LOG.warn("{}: spill write failed at exit: {}", spec.text(), Errors.describe(e));
            }
            try {
                spill.close();
            } catch (IOException e) {
                LOG.warn("{}: cannot close spill: {}", spec.text(), Errors.describe(e));
            }
        }
    }

    private void loop() throws IOException {
        while (true) {
            long now = System.nanoTime();
            if (!stopping && stopAt >= 0) {
                stopping = true;
                cursor.endAt(stopAt);
                flushDeadline = now + settings.flushTimeout().toNanos();
            }
            if (stopping && !spillAll && (!connected || !spill.isEmpty() || now - flushDeadline > 0)) {
                spillAll = true;
                if (batchCount > 0) {
                    lost(now, "stopping: the rest is spilled");
                }
            }
            boolean progress = false;
            try {
                if (!connected && !spillAll) {
                    progress = connect(now);
                }
                progress |= spillWhatMust(now);
                if (connected && !spillAll) {
                    progress |= send(now);
                }
            } catch (IOException | RuntimeException e) {
                failed(now, e);
            }
            if (stopping && batchCount == 0 && cursor.atEnd()) {
                return;
            }
            if (!progress) {
                idle(now);
            }
        }
    }

    /** An unexpected failure (spill unreadable, a bug): counted and logged; the worker carries on after a pause. */
    private void failed(long now, Exception e) {
        counters.increment(Counter.ERRORS);
        errorLog.warn(spec.text() + ": {}", Errors.describe(e));
        LOG.debug("{}: failure", spec.text(), e);
        if (batchCount > 0) {
            lost(now, Errors.describe(e));
        }
        java.util.concurrent.locks.LockSupport.parkNanos(100_000_000L);
    }

    private boolean connect(long now) {
        if (!connecting && now - nextAttempt < 0) {
            return false;
        }
        try {
            if (!connecting) {
                connectStarted = now;
            }
            if (link.connect()) {
                connected = true;
                connecting = false;
                backoff.reset();
                // a replay after the outage starts from an empty budget: what arrived meanwhile is no credit
                liveSeen = packets.publishedPosition();
                replayTokens = 0;
                if (everConnected) {
                    counters.increment(Counter.RECONNECTS);
                }
                everConnected = true;
                lastProgress = now;
                LOG.info("{}: connected", spec.text());
                return true;
            }
            connecting = true;
            if (now - connectStarted > settings.sendTimeout().toNanos()) {
                link.close();
                throw new IOException("connect timed out");
            }
            return false;
        } catch (IOException | RuntimeException e) {
            connecting = false;
            counters.increment(Counter.ERRORS);
            nextAttempt = now + backoff.next().toNanos();
            downLog.warn(spec.text() + " is down, retrying with backoff: {}", Errors.describe(e));
            return false;
        }
    }

    /** Moves ring packets to the spill: old ones while down or while spill is being replayed, and overflow. */
    private boolean spillWhatMust(long now) {
        if (batchCount > 0 && !fromSpill) {
            return false;
        }
        int moved = 0;
        while (moved < MAX_SPILL_PASS) {
            int index = cursor.peek();
            if (index < 0) {
                break;
            }
            boolean old = now - cursor.received(index) > spillAfterNanos;
            boolean overLimit = cursor.lagBytes() > limitBytes || cursor.lagCount() > settings.queueLimitCount();
            if (!(spillAll || overLimit || old && (!connected || !spill.isEmpty()))) {
                break;
            }
            int length = cursor.length(index);
            countReceived();
            spillOne(index + PacketRing.LENGTH_OFFSET, length);
            cursor.advance();
            moved++;
        }
        if (moved > 0) {
            try {
                spill.flush(toFallback);
            } catch (IOException e) {
                spillFailed(e);
            }
            cursor.release();
        }
        return moved > 0;
    }

    private void spillOne(int lengthIndex, int length) {
        try {
            if (spill.append(ring, lengthIndex, length, toFallback)) {
                counters.increment(Counter.SPILLED);
            } else {
                errorLog.warn(spec.text() + ": spill is full ({}), handing packets to the fallback",
                    settings.spillMaxBytes() + " bytes");
                handOn(ring, lengthIndex, length);
            }
        } catch (IOException e) {
            spillFailed(e);
            handOn(ring, lengthIndex, length);
        }
    }

    private void spillFailed(IOException e) {
        counters.increment(Counter.ERRORS);
        errorLog.warn(spec.text() + ": cannot write spill, handing packets to the fallback: {}", Errors.describe(e));
    }

    /** Gives up on one packet: the fallback gets it (or drops and counts it). */
    private void handOn(ByteBuffer buffer, int lengthIndex, int length) {
        counters.increment(Counter.DROPPED);
        if (buffer != ring) {
            counters.add(Counter.SPILLED, -1);
        }
        fallback.offer(buffer, lengthIndex, length);
    }

    private void countReceived() {
        if (cursor.readCount() >= countedUpTo) {
            counters.increment(Counter.DATAGRAMS_IN);
            countedUpTo = cursor.readCount() + 1;
        }
    }

    private boolean send(long now) throws IOException {
        if (batchCount == 0 && !nextBatch(now)) {
            return false;
        }
        long written;
        try {
            written = link.write(frames, batchDone, batchCount - batchDone);
        } catch (IOException e) {
            lost(now, Errors.describe(e));
            return true;
        }
        while (batchDone < batchCount && !frames[batchDone].hasRemaining()) {
            counters.countOut(slotLength[batchDone]);
            if (fromSpill) {
                counters.increment(Counter.REPLAYED);
            }
            batchDone++;
        }
        if (batchDone == batchCount) {
            completeBatch();
            return true;
        }
        if (written > 0) {
            lastProgress = now;
            return true;
        }
        if (now - lastProgress > settings.sendTimeout().toNanos()) {
            lost(now, "no bytes taken for " + settings.sendTimeout().toMillis() + " ms");
        } else if (!fromSpill && (cursor.lagBytes() > limitBytes || cursor.lagCount() > settings.queueLimitCount())) {
            lost(now, "too slow: its queue reached the limit, the rest goes to spill");
        }
        return false;
    }

    private boolean nextBatch(long now) throws IOException {
        int n;
        if (!spill.isEmpty()) {
            long budget = replayBudget(now);
            if (budget <= 0) {
                return false;
            }
            n = spill.read(spillFrames, withLength, Math.min(budget, maxBatchBytes), toFallback);
            countTorn();
            frames = spillFrames;
            fromSpill = true;
            for (int i = 0; i < n; i++) {
                slotLength[i] = spillFrames[i].remaining() - (withLength ? 4 : 0);
                replayTokens -= spillFrames[i].remaining();
            }
        } else {
            // no spill: the replay budget of the next one starts from now
            replayRefilled = now;
            liveSeen = packets.publishedPosition();
            if (link.peerClosed()) {
                lost(now, "closed by the peer");
                return false;
            }
            n = 0;
            long bytes = 0;
            int skip = withLength ? PacketRing.LENGTH_OFFSET : PacketRing.HEADER;
            while (n < MAX_BATCH && bytes < maxBatchBytes) {
                int index = cursor.peek();
                if (index < 0) {
                    break;
                }
                slotLength[n] = cursor.length(index);
                int end = index + PacketRing.HEADER + slotLength[n];
                ringFrames[n].limit(end).position(index + skip);
                bytes += end - index;
                countReceived();
                slotEnd[n] = cursor.advance();
                slotCount[n] = cursor.readCount();
                n++;
            }
            frames = ringFrames;
            fromSpill = false;
        }
        if (n == 0) {
            return false;
        }
        batchCount = n;
        batchDone = 0;
        lastProgress = now;
        if (n > 1) {
            link.beginBatch();
        }
        return true;
    }

    private void countTorn() {
        long torn = spill.tornRecords();
        if (torn != tornSeen) {
            counters.add(Counter.TRUNCATED, torn - tornSeen);
            LOG.warn("{}: skipped {} torn or corrupt spill record(s) (a crash mid-write) in {}", spec.text(),
                torn - tornSeen, spill.dir());
            tornSeen = torn;
        }
    }

    /**
     * The bytes of spill that may be sent now: {@code replay_rate} more than the live traffic that arrived meanwhile
     * (which queues behind the spill), so a spill drains at {@code replay_rate} whatever the live rate, while the
     * destination gets at most that much more than it would without one. A budget of the live rate alone would never
     * drain it; a fixed one below the live rate would let it grow until the disk is full.
     */
    private long replayBudget(long now) {
        long rate = settings.replayRate();
        if (rate <= 0) {
            return MAX_BATCH_BYTES;
        }
        long elapsed = now - replayRefilled;
        replayRefilled = now;
        long published = packets.publishedPosition();
        long live = published - liveSeen;
        liveSeen = published;
        replayTokens = Math.min(limitBytes, replayTokens + (long) (elapsed / 1e9 * rate) + live);
        return replayTokens;
    }

    private void completeBatch() {
        link.endBatch();
        if (fromSpill) {
            spill.commit(batchCount);
        } else {
            cursor.releaseTo(slotEnd[batchCount - 1], slotCount[batchCount - 1]);
        }
        batchCount = 0;
        batchDone = 0;
    }

    /** The connection failed: frames sent whole stay sent, the rest (a half frame included) is read again. */
    private void lost(long now, String reason) {
        link.close();
        connected = false;
        connecting = false;
        counters.increment(Counter.ERRORS);
        if (batchCount > 0) {
            if (fromSpill) {
                spill.commit(batchDone);
                spill.rewind();
            } else {
                if (batchDone > 0) {
                    cursor.releaseTo(slotEnd[batchDone - 1], slotCount[batchDone - 1]);
                }
                cursor.rewind();
            }
            batchCount = 0;
            batchDone = 0;
        }
        nextAttempt = now + backoff.next().toNanos();
        LOG.warn("{}: lost connection: {}", spec.text(), reason);
    }

    private void idle(long now) throws IOException {
        if (connecting || connected && batchCount > 0) {
            link.await(5);
            return;
        }
        long wait = IDLE_NANOS;
        if (!connected && !spillAll) {
            wait = Math.min(wait, Math.max(0, nextAttempt - now));
        }
        int head = cursor.peek();
        if (head >= 0) {
            wait = Math.min(wait, Math.max(1_000_000L, cursor.received(head) + spillAfterNanos - now));
        }
        if (connected && !spill.isEmpty()) {
            wait = 1_000_000L;
        }
        boolean sendable = connected && spill.isEmpty();
        cursor.wakeup().await(() -> stopAt >= 0 || sendable && cursor.hasRecords(), Math.max(wait, 100_000L));
        if (connected && batchCount == 0 && link.peerClosed()) {
            lost(System.nanoTime(), "closed by the peer");
        }
    }
}
