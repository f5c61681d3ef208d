package io.mproxy.reverseproxy.output;

import io.mproxy.common.Errors;
import io.mproxy.common.lifecycle.Threads;
import io.mproxy.common.net.Endpoint;
import io.mproxy.common.net.UdpChannels;
import io.mproxy.common.stats.Counter;
import io.mproxy.common.stats.Counters;
import io.mproxy.common.tcp.Backoff;
import io.mproxy.common.tcp.TcpCork;
import io.mproxy.reverseproxy.broadcast.BroadcastRing;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --tcp-downstream-addr}: one long-lived outbound connection that gets the group's stream in batches, each
 * batch one gathering write corked with TCP_CORK (on Linux). Reconnects with exponential backoff and jitter after
 * a refusal, a reset or an end of stream. It keeps no backlog: what enters the group while it is down is counted
 * as dropped for it, and it resumes with the datagrams that arrive from the start of the successful attempt on.
 */
public final class TcpDownstream implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TcpDownstream.class);

    private final Endpoint destination;
    private final ClientLimits limits;
    private final Duration reconnectMax;
    private final StreamOutput output;
    private final Counters counters;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final Thread thread;
    private volatile SocketChannel current;

    /**
     * @param destination  where to connect.
     * @param ring         the group's ring.
     * @param limits       the slow-client limits.
     * @param reconnectMax the longest wait between attempts.
     */
    public TcpDownstream(Endpoint destination, BroadcastRing ring, ClientLimits limits, Duration reconnectMax) {
        this.destination = destination;
        this.limits = limits;
        this.reconnectMax = reconnectMax;
        this.counters = new Counters("tcp downstream " + destination.text(), EnumSet.of(Counter.DATAGRAMS_OUT,
            Counter.BYTES_OUT, Counter.DROPPED, Counter.RECONNECTS, Counter.ERRORS));
        this.output = new StreamOutput(ring, limits, counters, true);
        this.thread = Thread.ofPlatform().name("tcp-downstream " + destination.text()).unstarted(this::run);
    }

    /** @return the downstream's counters. */
    public Counters counters() {
        return counters;
    }

    /** Starts connecting. @return this for a fluent API. */
    public TcpDownstream start() {
        thread.start();
        return this;
    }

    private void run() {
        Backoff backoff = new Backoff(Backoff.DEFAULT_FIRST, reconnectMax);
        String lastFailure = null;
        boolean everConnected = false;
        String name = "tcp downstream " + destination.text();
        while (!output.stopping()) {
            output.toTail(true);
            SocketChannel channel = null;
            try {
                channel = SocketChannel.open(destination.family());
                current = channel;
                if (output.stopping()) {
                    break;
                }
                channel.connect(destination.address());
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                if (limits.sendBuffer() > 0) {
                    channel.setOption(StandardSocketOptions.SO_SNDBUF, limits.sendBuffer());
                }
            } catch (IOException | RuntimeException e) {
                UdpChannels.closeQuietly(channel);
                if (output.stopping()) {
                    break;
                }
                counters.increment(Counter.ERRORS);
                String failure = Errors.describe(e);
                Duration delay = backoff.next();
                if (!failure.equals(lastFailure)) {
                    LOG.warn("cannot connect to {}: {}; retrying with backoff (up to {} s between attempts)",
                        destination.text(), failure, reconnectMax.toSeconds());
                    lastFailure = failure;
                } else {
                    LOG.debug("attempt {} to connect to {} failed: {}", backoff.attempts(), destination.text(),
                        failure);
                }
                pause(delay);
                continue;
            }
            LOG.info("connected to {} ({}) after {} failed attempts", destination.text(), destination.numeric(),
                backoff.attempts());
            if (everConnected) {
                counters.increment(Counter.RECONNECTS);
            }
            everConnected = true;
            backoff.reset();
            lastFailure = null;
            boolean stopped = output.serve(channel, name, TcpCork.of(channel));
            UdpChannels.closeQuietly(channel);
            if (!stopped) {
                pause(backoff.next());
            }
        }
        output.dropUndelivered();
    }

    private void pause(Duration delay) {
        try {
            stop.await(delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops reconnecting and asks the connection to write what the ring holds, until the deadline.
     *
     * @param deadlineNanos a {@link System#nanoTime()} value.
     */
    public void stop(long deadlineNanos) {
        output.stop(deadlineNanos);
        stop.countDown();
    }

    /** Stops (if not yet), closes the connection and waits for the thread to end. */
    @Override
    public void close() {
        if (!output.stopping()) {
            stop(System.nanoTime() + limits.drainMillis() * 1_000_000L);
        }
        SocketChannel channel = current;
        if (channel != null && !channel.isConnected()) {
            UdpChannels.closeQuietly(channel);
        }
        Threads.join(thread, limits.drainMillis() + 5_000);
    }
}
