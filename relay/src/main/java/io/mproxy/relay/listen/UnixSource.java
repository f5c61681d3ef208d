package io.mproxy.relay.listen;

import io.mproxy.common.stats.Counters;
import io.mproxy.common.unix.UnixDatagramSocket;
import io.mproxy.relay.queue.PacketRing;
import java.io.IOException;
import java.nio.file.Path;

/** A unix datagram socket listener; its file is removed on close. */
public final class UnixSource implements DatagramSource {
    private static final int WAIT_MILLIS = 100;

    private final UnixDatagramSocket socket;
    private final OneDatagram one;

    private UnixSource(UnixDatagramSocket socket) {
        this.socket = socket;
        this.one = (into, wait) -> socket.receive(into, wait ? WAIT_MILLIS : 0);
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
    public int receiveInto(PacketRing ring, Counters counters, boolean wait) throws IOException {
        return DatagramSource.receiveOne(ring, counters, one, wait);
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
