package io.mproxy.relay;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A TCP destination in the test JVM: accepts connections one after another and collects length-framed messages
 * (4-byte big-endian length, then the bytes). A message cut short by a closed connection is discarded and counted,
 * as a length-framed reader must. It can go down (stop listening, close its connection) and come back on the same port.
 */
final class TcpSink implements AutoCloseable {
    private final List<String> messages = Collections.synchronizedList(new ArrayList<>());
    private volatile int port;
    private volatile int partials;
    private volatile int connections;
    private final java.util.concurrent.BlockingQueue<Socket> accepted =
        new java.util.concurrent.LinkedBlockingQueue<>();
    private final List<Socket> open = Collections.synchronizedList(new ArrayList<>());
    private volatile int stallAfter = Integer.MAX_VALUE;
    private ServerSocket server;
    private Thread thread;

    /** Starts on a free port. */
    TcpSink() throws IOException {
        up(0);
        Thread.ofPlatform().daemon().name("tcp-sink reader").start(this::readInOrder);
    }

    /**
     * After {@code count} messages, stop reading until a second connection has come (the relay gave up on the first).
     */
    void stallAfter(int count) {
        stallAfter = count;
    }

    /** @return the port. */
    int port() {
        return port;
    }

    /** @return the spec a relay uses to reach it. */
    String spec() {
        return "tcp@127.0.0.1:" + port;
    }

    /** Listens again on the same port. */
    synchronized void up() throws IOException {
        up(port);
    }

    private synchronized void up(int onPort) throws IOException {
        ServerSocket socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), onPort));
        server = socket;
        port = socket.getLocalPort();
        thread = Thread.ofPlatform().daemon().name("tcp-sink " + port).start(() -> accept(socket));
    }

    private void accept(ServerSocket socket) {
        try {
            while (!socket.isClosed()) {
                Socket connection = socket.accept();
                open.add(connection);
                connections++;
                accepted.add(connection);
            }
        } catch (IOException e) {
            // closed: down
        }
    }

    /** Connections are read one after the other, in the order they came, as one stream of messages. */
    private void readInOrder() {
        try {
            while (true) {
                read(accepted.take());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void read(Socket connection) {
        try (DataInputStream in = new DataInputStream(connection.getInputStream())) {
            while (true) {
                int length;
                try {
                    length = in.readInt();
                } catch (EOFException e) {
                    return;
                }
                byte[] bytes = new byte[length];
                try {
                    in.readFully(bytes);
                } catch (EOFException e) {
                    partials++;
                    return;
                }
                messages.add(new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
                if (messages.size() == stallAfter) {
                    long end = System.nanoTime() + 20_000_000_000L;
                    while (connections < 2 && System.nanoTime() < end) {
                        java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L);
                    }
                }
            }
        } catch (IOException e) {
            // connection closed under us
        }
    }

    /** Stops listening and closes the connection: the destination is down. */
    synchronized void down() throws IOException, InterruptedException {
        server.close();
        synchronized (open) {
            for (Socket socket : open) {
                socket.close();
            }
            open.clear();
        }
        thread.join(5000);
    }

    /** @return the messages received, in order. */
    List<String> messages() {
        synchronized (messages) {
            return List.copyOf(messages);
        }
    }

    /** @return how many messages arrived. */
    int count() {
        return messages.size();
    }

    /** @return messages cut short by a closed connection. */
    int partials() {
        return partials;
    }

    /** @return connections accepted. */
    int connections() {
        return connections;
    }

    @Override
    public void close() throws IOException {
        try {
            down();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
