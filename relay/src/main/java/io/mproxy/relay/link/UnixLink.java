package io.mproxy.relay.link;

import io.mproxy.common.unix.UnixDatagramSocket;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/** A unix datagram socket destination: one datagram per frame; no one bound at the path means down. */
public final class UnixLink extends DatagramLink {
    private final Path path;
    private UnixDatagramSocket socket;

    /** @param path the receiver's socket path. */
    public UnixLink(Path path) {
        this.path = path;
    }

    @Override
    void open() throws IOException {
        socket = UnixDatagramSocket.connect(path);
    }

    @Override
    void send(ByteBuffer datagram) throws IOException {
        socket.send(datagram);
    }

    @Override
    void closeSocket() {
        if (socket != null) {
            socket.close();
            socket = null;
        }
    }
}
