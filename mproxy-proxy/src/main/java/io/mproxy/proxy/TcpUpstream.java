package io.mproxy.proxy;

import io.mproxy.common.Errors;
import io.mproxy.common.framing.DatagramSink;
import io.mproxy.common.framing.StreamFramer;
import io.mproxy.common.framing.StreamPump;
import io.mproxy.common.lifecycle.Threads;
import io.mproxy.common.stats.Counter;
import io.mproxy.common.stats.Counters;
import io.mproxy.common.tcp.Backoff;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one TCP (or TLS) upstream connected on its own thread, frames its byte stream into datagrams and sends
 * them to the downstreams. After end of stream or an error it reconnects with exponential backoff and jitter (the
 * first retry within {@link Backoff#DEFAULT_FIRST}); the delay starts over only after a connection delivered data,
 * so a server that accepts and closes at once, or fails every TLS handshake, is not hammered. Every attempt logs one
 * line with its outcome. Datagrams are sent from this thread as they are framed: while it sends, it does not read, and TCP
 * flow control holds the server back, so nothing from TCP is dropped.
 */
final class TcpUpstream implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TcpUpstream.class);
    /** Bytes per read from the socket. */
    private static final int READ_BUFFER = 256 << 10;

    private final Upstream upstream;
    private final UpstreamConnector connector;
    private final DatagramSink sink;
    private final Counters counters;
    private final StreamPump pump;
    private final Backoff backoff;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final Thread thread;
    private volatile UpstreamConnector.Connection connection;
    private volatile boolean closed;

    /**
     * @param upstream     where to connect.
     * @param connector    opens plain or TLS connections.
     * @param context      framing, largest datagram and reconnect cap.
     * @param sink         where datagrams go.
     * @param counters     bytes in, datagrams out, split lines, drops, reconnects, errors.
     */
    TcpUpstream(Upstream upstream, UpstreamConnector connector, ProxyContext context, DatagramSink sink,
                Counters counters) {
        this.upstream = upstream;
        this.connector = connector;
        this.sink = sink;
        this.counters = counters;
        this.pump = new StreamPump(StreamFramer.of(context.framing(), context.maxDatagram(), counters), counters,
            READ_BUFFER);
        this.backoff = new Backoff(Backoff.DEFAULT_FIRST, context.reconnectMax());
        this.thread = Thread.ofPlatform().name("tcp-upstream " + upstream.text()).unstarted(this::run);
    }

    /** Starts connecting. @return this for a fluent API. */
    TcpUpstream start() {
        thread.start();
        return this;
    }

    private void run() {
        int failures = 0;
        while (!closed) {
            long before = counters.get(Counter.BYTES_IN);
            boolean connected = false;
            String outcome;
            try (UpstreamConnector.Connection open = connector.connect(upstream)) {
                connection = open;
                if (closed) {
                    return;
                }
                connected = true;
                LOG.info("connected to {} ({}){}", upstream.text(), open.address(), open.description());
                pump.pump(open.channel(), true, this::send, null, null);
                outcome = upstream.text() + ": connection closed by the server";
            } catch (IOException | RuntimeException e) {
                if (closed) {
                    return;
                }
                counters.increment(Counter.ERRORS);
                outcome = (connected ? upstream.text() + ": connection lost (" : "cannot connect to " + upstream.text()
                    + ": ") + Errors.describe(e) + (connected ? ")" : "");
            } finally {
                connection = null;
            }
            if (closed) {
                return;
            }
            long received = counters.get(Counter.BYTES_IN) - before;
            failures = connected ? 0 : failures + 1;
            if (received > 0) {
                backoff.reset();
            }
            Duration delay = backoff.next();
            counters.increment(Counter.RECONNECTS);
            LOG.warn("{}{}; retrying in {}{}", outcome, connected ? " after " + received + " bytes" : "",
                seconds(delay), failures > 1 ? " (" + failures + " failed attempts in a row)" : "");
            try {
                if (stop.await(delay.toNanos(), TimeUnit.NANOSECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static String seconds(Duration delay) {
        return String.format(Locale.ROOT, "%.1f s", delay.toNanos() / 1e9);
    }

    private void send(ByteBuffer datagram) throws IOException {
        counters.increment(Counter.DATAGRAMS_OUT);
        sink.accept(datagram);
    }

    /** @return the upstream. */
    Upstream upstream() {
        return upstream;
    }

    /** Stops: closes the connection (ending a blocked read or wait) and waits for the thread to end. */
    @Override
    public void close() {
        closed = true;
        stop.countDown();
        UpstreamConnector.Connection open = connection;
        if (open != null) {
            try {
                open.close();
            } catch (IOException e) {
                // closing is best effort
            }
        }
        Threads.join(thread, 5_000);
    }
}
