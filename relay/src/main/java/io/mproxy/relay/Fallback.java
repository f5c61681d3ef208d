package io.mproxy.relay;

import io.mproxy.common.net.SocketSpec;
import io.mproxy.common.stats.Counter;
import io.mproxy.common.stats.Counters;
import io.mproxy.common.stats.RateLimitedLog;
import io.mproxy.common.tcp.Backoff;
import io.mproxy.relay.link.Link;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The destination of last resort, shared by every worker: it gets what a worker can neither deliver nor spill.
 * Sends are synchronous and bounded in time; when the fallback is down too, the packet is dropped and counted.
 */
final class Fallback implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Fallback.class);
    private static final long CONNECT_WAIT_MILLIS = 100;
    private static final long SEND_WAIT_NANOS = 1_000_000_000L;

    private SocketSpec spec;
    private Link link;
    private boolean withLength;
    private final Counters counters;
    private final Backoff backoff;
    private final RateLimitedLog dropLog = new RateLimitedLog(Fallback.class, 1000);
    private final ByteBuffer[] frame = new ByteBuffer[1];
    private boolean connected;
    private boolean everConnected;
    private long nextAttempt;

    Fallback(SocketSpec spec, Link link, boolean withLength, Counters counters, RelayContext settings) {
        this.spec = spec;
        this.link = link;
        this.withLength = withLength;
        this.counters = counters;
        this.backoff = new Backoff(settings.reconnectMin(), settings.reconnectMax());
    }

    /** @return its counters. */
    Counters counters() {
        return counters;
    }

    /**
     * Sends one packet, or drops and counts it.
     *
     * @param buffer      holds the 4-byte length then the payload.
     * @param lengthIndex where the length starts.
     * @param length      the payload length.
     */
    synchronized void offer(ByteBuffer buffer, int lengthIndex, int length) {
        counters.increment(Counter.DATAGRAMS_IN);
        long now = System.nanoTime();
        try {
            if (!connected && now - nextAttempt >= 0) {
                connect();
            }
            if (connected) {
                frame[0] = buffer.duplicate().limit(lengthIndex + 4 + length)
                    .position(withLength ? lengthIndex : lengthIndex + 4);
                long deadline = now + SEND_WAIT_NANOS;
                while (frame[0].hasRemaining() && System.nanoTime() - deadline < 0) {
                    if (link.write(frame, 0, 1) == 0) {
                        link.await(10);
                    }
                }
                if (!frame[0].hasRemaining()) {
                    counters.countOut(length);
                    return;
                }
                throw new IOException("send timed out");
            }
        } catch (IOException | RuntimeException e) {
            link.close();
            connected = false;
            counters.increment(Counter.ERRORS);
            nextAttempt = now + backoff.next().toNanos();
        }
        counters.increment(Counter.DROPPED);
        dropLog.warn("dropping packets: the fallback " + spec.text() + " is down too{}", "");
    }

    private void connect() throws IOException {
        long deadline = System.nanoTime() + CONNECT_WAIT_MILLIS * 1_000_000L;
        while (!link.connect()) {
            if (System.nanoTime() - deadline > 0) {
                throw new IOException("connect timed out");
            }
            link.await(10);
        }
        connected = true;
        backoff.reset();
        if (everConnected) {
            counters.increment(Counter.RECONNECTS);
        }
        everConnected = true;
        LOG.info("fallback {}: connected", spec.text());
    }

    /**
     * Points the fallback elsewhere (a reload changed it).
     *
     * @param newSpec    the new destination.
     * @param newLink    its link.
     * @param newLength  whether frames carry the 4-byte length.
     */
    synchronized void retarget(SocketSpec newSpec, Link newLink, boolean newLength) {
        link.close();
        spec = newSpec;
        link = newLink;
        withLength = newLength;
        connected = false;
        nextAttempt = System.nanoTime();
    }

    /** @return the destination. */
    synchronized SocketSpec spec() {
        return spec;
    }

    @Override
    public synchronized void close() {
        link.close();
    }
}
