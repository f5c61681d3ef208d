package io.mproxy.relay.listen;

import io.mproxy.common.unix.UnixDatagramSocket;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/** A unix datagram socket listener; its file is removed on close. */
public final class UnixSource implements DatagramSource {
    private static final int WAIT_MILLIS = 100;

    private final UnixDatagramSocket socket;

    private UnixSource(UnixDatagramSocket socket) {
        this.socket = socket;
    }

    /**
     * @param path          the socket path (a stale file is removed).
     * @param receiveBuffer SO_RCVBUF to request.
     * @return the bound source.
     * @throws IOException naming the path.
     */
    public static UnixSource open(Path path, int receiveBuffer) throws IOException {
        return new UnixSource(UnixDatagramSocket.bind(path, receiveBuffer));
    }

    @Override
    public int receive(ByteBuffer into, boolean wait) throws IOException {
        return socket.receive(into, wait ? WAIT_MILLIS : 0);
    }

    @Override
    public String boundAddress() {
        return socket.path().toString();
    }

    @Override
    public void close() {
        socket.close();
    }
}
