package io.mproxy.common.unix;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * A unix datagram socket (AF_UNIX, SOCK_DGRAM), which NIO lacks: on Linux through the foreign function API
 * ({@link LinuxUnixDatagramSocket}); elsewhere {@link #isSupported()} is false and opening fails with a clear message.
 *
 * <pre>{@code
 * try (UnixDatagramSocket in = UnixDatagramSocket.bind(Path.of("/run/app/in.sock"))) {
 *     int n = in.receive(buffer, 100);   // -1 when nothing came within 100 ms
 * }
 * }</pre>
 */
public interface UnixDatagramSocket extends AutoCloseable {
    /** @return true when unix datagram sockets can be opened here. */
    static boolean isSupported() {
        return LinuxUnixDatagramSocket.AVAILABLE;
    }

    /**
     * Binds a receiving socket at {@code path}; a stale socket file (no one bound to it) is removed first, and the
     * file is removed again on {@link #close()}.
     *
     * @param path          the socket path.
     * @param receiveBuffer SO_RCVBUF to request, 0 for the default.
     * @return the bound socket.
     * @throws IOException naming the path and the reason (in use, not a socket, permission...).
     */
    static UnixDatagramSocket bind(Path path, int receiveBuffer) throws IOException {
        return LinuxUnixDatagramSocket.bind(path, receiveBuffer);
    }

    /**
     * Opens a sending socket connected to {@code path}.
     *
     * @param path the receiver's socket path.
     * @return the connected socket.
     * @throws IOException when no one is bound there (the destination is down) or the path is bad.
     */
    static UnixDatagramSocket connect(Path path) throws IOException {
        return LinuxUnixDatagramSocket.connect(path);
    }

    /**
     * Receives one datagram into a direct buffer (position to limit); a longer datagram is cut to fit.
     *
     * @param into          a direct buffer; its position moves past the payload.
     * @param timeoutMillis 0 to return at once, else the longest wait.
     * @return the payload length, or -1 when none came in time.
     * @throws IOException on a receive error.
     */
    int receive(ByteBuffer into, int timeoutMillis) throws IOException;

    /**
     * Sends the buffer (position to limit) as one datagram; waits at most about a second for room.
     *
     * @param datagram a direct buffer; its position moves to its limit.
     * @throws IOException when the receiver is gone or stays full.
     */
    void send(ByteBuffer datagram) throws IOException;

    /** @return the socket path. */
    Path path();

    /** Closes the socket; a bound socket's file is removed. */
    @Override
    void close();
}
