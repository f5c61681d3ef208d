package io.mproxy.reverseproxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/** A TCP client of a reverse proxy output that reads everything it is sent on its own thread. */
final class StreamClient implements AutoCloseable {
    private final Socket socket;
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private final Thread reader;
    private volatile boolean eof;

    private StreamClient(Socket socket) {
        this.socket = socket;
        this.reader = Thread.ofVirtual().start(this::read);
    }

    /** @param port a TCP output's port on 127.0.0.1. @return a connected client, reading. */
    static StreamClient connect(int port) {
        try {
            return new StreamClient(new Socket("127.0.0.1", port));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void read() {
        byte[] chunk = new byte[65536];
        try (InputStream in = socket.getInputStream()) {
            int n;
            while ((n = in.read(chunk)) >= 0) {
                synchronized (received) {
                    received.write(chunk, 0, n);
                }
            }
        } catch (IOException e) {
            // closed by the test
        }
        eof = true;
    }

    /** @return how many bytes arrived so far. */
    int size() {
        synchronized (received) {
            return received.size();
        }
    }

    /** @return the bytes that arrived so far. */
    byte[] bytes() {
        synchronized (received) {
            return received.toByteArray();
        }
    }

    /** @return true once the proxy closed the connection. */
    boolean eof() {
        return eof;
    }

    /** @return the local address, as the proxy logs it. */
    String localAddress() {
        InetSocketAddress local = (InetSocketAddress) socket.getLocalSocketAddress();
        return local.getAddress().getHostAddress() + ":" + local.getPort();
    }

    @Override
    public void close() {
        try {
            socket.close();
            reader.join(5_000);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
