package io.mproxy.reverseproxy.net;

import io.mproxy.common.Errors;
import io.mproxy.common.lifecycle.Threads;
import io.mproxy.common.net.Endpoint;
import io.mproxy.common.net.UdpChannels;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A TCP listener with its own accept thread, handing each new connection to a handler. */
public final class TcpAcceptor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TcpAcceptor.class);

    private final ServerSocketChannel server;
    private final Endpoint endpoint;
    private final Runnable onAcceptError;
    private final Consumer<SocketChannel> handler;
    private final Thread thread;
    private volatile boolean closed;

    /**
     * Binds the listening socket.
     *
     * @param listen   where to listen (port 0: any free port).
     * @param role          names the accept thread, e.g. {@code tcp-input}.
     * @param handler       takes each accepted connection (and must close it), on the accept thread: keep it short.
     * @param onAcceptError runs after each failed accept (which is logged), to count it.
     * @throws IOException {@code cannot listen on TEXT: REASON}, e.g. when the port is in use.
     */
    public TcpAcceptor(Endpoint listen, String role, Consumer<SocketChannel> handler, Runnable onAcceptError)
        throws IOException {
        this.server = TcpSockets.listen(listen);
        this.endpoint = listen.withPort(((InetSocketAddress) server.getLocalAddress()).getPort());
        this.onAcceptError = onAcceptError;
        this.handler = handler;
        this.thread = Thread.ofPlatform().name(role + "-accept " + listen.text()).unstarted(this::run);
    }

    /** @return the address listened on, with its port. */
    public Endpoint endpoint() {
        return endpoint;
    }

    /** @return true once closed (a connection accepted meanwhile should be closed at once). */
    public boolean isClosed() {
        return closed;
    }

    /** Starts accepting. @return this for a fluent API. */
    public TcpAcceptor start() {
        thread.start();
        return this;
    }

    private void run() {
        while (!closed) {
            try {
                handler.accept(server.accept());
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                onAcceptError.run();
                LOG.warn("accept on {} failed: {}", endpoint.text(), Errors.describe(e));
            }
        }
    }

    /** Stops accepting and waits for the accept thread to end. */
    @Override
    public void close() {
        closed = true;
        UdpChannels.closeQuietly(server);
        Threads.join(thread, 5_000);
    }
}
