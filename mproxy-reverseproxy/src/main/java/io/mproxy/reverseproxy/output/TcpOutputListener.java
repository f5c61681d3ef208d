package io.mproxy.reverseproxy.output;

import io.mproxy.common.Errors;
import io.mproxy.common.lifecycle.Threads;
import io.mproxy.common.net.Endpoint;
import io.mproxy.common.net.UdpChannels;
import io.mproxy.common.stats.Counter;
import io.mproxy.common.stats.Counters;
import io.mproxy.reverseproxy.broadcast.BroadcastRing;
import io.mproxy.reverseproxy.net.TcpAcceptor;
import io.mproxy.reverseproxy.net.TcpSockets;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.util.EnumSet;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --tcp-output-addr}: listens, and every client that connects gets the group's stream from then on, on its
 * own thread with its own place in the ring. A client that goes is cleaned up and its thread ends.
 */
public final class TcpOutputListener implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TcpOutputListener.class);

    private final BroadcastRing ring;
    private final ClientLimits limits;
    private final TcpAcceptor acceptor;
    private final Counters counters;
    private final Map<StreamOutput, Thread> clients = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * Binds the listening socket.
     *
     * @param listen where to listen (port 0: any free port).
     * @param ring   the group's ring.
     * @param limits the slow-client limits.
     * @throws IOException naming the address, e.g. when the port is in use.
     */
    public TcpOutputListener(Endpoint listen, BroadcastRing ring, ClientLimits limits) throws IOException {
        this.ring = ring;
        this.limits = limits;
        this.acceptor = new TcpAcceptor(listen, "tcp-output", this::accepted, this::acceptFailed);
        this.counters = new Counters("tcp output " + acceptor.endpoint().text(),
            EnumSet.of(Counter.DATAGRAMS_OUT, Counter.BYTES_OUT, Counter.DROPPED, Counter.ERRORS));
    }

    /** @return the address listened on, with its port. */
    public Endpoint endpoint() {
        return acceptor.endpoint();
    }

    /** @return the counters of all its clients together. */
    public Counters counters() {
        return counters;
    }

    /** @return how many clients are connected. */
    public int clientCount() {
        return clients.size();
    }

    /** Starts accepting. @return this for a fluent API. */
    public TcpOutputListener start() {
        acceptor.start();
        return this;
    }

    private void accepted(SocketChannel channel) {
        String name = "tcp output client " + TcpSockets.peer(channel);
        try {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            if (limits.sendBuffer() > 0) {
                channel.setOption(StandardSocketOptions.SO_SNDBUF, limits.sendBuffer());
            }
        } catch (IOException e) {
            LOG.warn("{}: cannot set socket options: {}", name, Errors.describe(e));
        }
        StreamOutput output = new StreamOutput(ring, limits, counters, false);
        output.toTail(false);
        Thread thread = Thread.ofPlatform().name(name).unstarted(() -> {
            try {
                output.serve(channel, name, null);
            } finally {
                UdpChannels.closeQuietly(channel);
                clients.remove(output);
            }
        });
        clients.put(output, thread);
        LOG.info("{} connected to {}", name, acceptor.endpoint().text());
        if (closed) {
            output.stop(System.nanoTime());
        }
        thread.start();
    }

    private void acceptFailed() {
        counters.increment(Counter.ERRORS);
    }

    /**
     * Stops accepting and asks every client to write what it still holds, until the deadline.
     *
     * @param deadlineNanos a {@link System#nanoTime()} value.
     */
    public void stop(long deadlineNanos) {
        closed = true;
        acceptor.close();
        clients.keySet().forEach(output -> output.stop(deadlineNanos));
    }

    /** Stops (if not yet) and waits for every client's thread to end. */
    @Override
    public void close() {
        if (!closed) {
            stop(System.nanoTime() + limits.drainMillis() * 1_000_000L);
        }
        clients.values().forEach(thread -> Threads.join(thread, limits.drainMillis() + 5_000));
    }
}
