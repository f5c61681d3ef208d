package io.mproxy.reverseproxy.input;

import io.mproxy.common.Errors;
import io.mproxy.common.framing.DatagramSink;
import io.mproxy.common.framing.Framing;
import io.mproxy.common.framing.StreamFramer;
import io.mproxy.common.framing.StreamPump;
import io.mproxy.common.lifecycle.Threads;
import io.mproxy.common.net.Endpoint;
import io.mproxy.common.net.UdpChannels;
import io.mproxy.common.stats.Counter;
import io.mproxy.common.stats.Counters;
import io.mproxy.reverseproxy.net.TcpAcceptor;
import io.mproxy.reverseproxy.net.TcpSockets;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.EnumSet;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --tcp-listen-addr}: accepts any number of clients; each client's stream is framed into datagrams
 * ({@code --input-framing}) on its own virtual thread and sent onto the group as soon as a read returns.
 */
public final class TcpInput implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TcpInput.class);
    private static final int READ_BUFFER = 64 << 10;

    private final TcpAcceptor acceptor;
    private final Framing framing;
    private final int maxDatagram;
    private final DatagramSink sink;
    private final Counters counters;
    private final Map<SocketChannel, Thread> clients = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * Binds the listening socket.
     *
     * @param listen      where to listen (port 0: any free port).
     * @param framing     how each stream is cut into datagrams.
     * @param maxDatagram the largest datagram.
     * @param sender      where datagrams go.
     * @throws IOException naming the address, e.g. when the port is in use.
     */
    public TcpInput(Endpoint listen, Framing framing, int maxDatagram, GroupSender sender) throws IOException {
        this.framing = framing;
        this.maxDatagram = maxDatagram;
        this.acceptor = new TcpAcceptor(listen, "tcp-input", this::accepted, this::acceptFailed);
        this.counters = new Counters("tcp input " + acceptor.endpoint().text(), EnumSet.of(Counter.BYTES_IN,
            Counter.DATAGRAMS_OUT, Counter.SPLIT_LINES, Counter.DROPPED, Counter.TRUNCATED, Counter.ERRORS));
        this.sink = sender.sinkFor(counters);
    }

    /** @return the address listened on, with its port. */
    public Endpoint endpoint() {
        return acceptor.endpoint();
    }

    /** @return the counters of all its clients together. */
    public Counters counters() {
        return counters;
    }

    /** Starts accepting. @return this for a fluent API. */
    public TcpInput start() {
        acceptor.start();
        return this;
    }

    private void accepted(SocketChannel channel) {
        String name = "tcp input client " + TcpSockets.peer(channel);
        Thread thread = Thread.ofVirtual().name(name).unstarted(() -> pump(channel, name));
        clients.put(channel, thread);
        if (closed) {
            UdpChannels.closeQuietly(channel);
        }
        thread.start();
    }

    private void acceptFailed() {
        counters.increment(Counter.ERRORS);
    }

    private void pump(SocketChannel channel, String name) {
        LOG.info("{} connected to {}", name, acceptor.endpoint().text());
        AtomicLong total = new AtomicLong();
        String outcome = "closed by the peer";
        try {
            StreamPump pump = new StreamPump(StreamFramer.of(framing, maxDatagram, counters), counters, READ_BUFFER);
            pump.pump(channel, true, sink, null, total::set);
        } catch (IOException | RuntimeException e) {
            if (!closed) {
                counters.increment(Counter.ERRORS);
                outcome = Errors.describe(e);
            }
        } finally {
            UdpChannels.closeQuietly(channel);
            clients.remove(channel);
        }
        LOG.info("{} gone: {}; read {} bytes", name, closed ? "shutdown" : outcome, total.get());
    }


    /** Stops accepting and ends every client's stream (what was read is still sent). */
    @Override
    public void close() {
        closed = true;
        acceptor.close();
        clients.keySet().forEach(UdpChannels::closeQuietly);
        clients.values().forEach(thread -> Threads.join(thread, 5_000));
    }
}
