package io.mproxy.relay.link;

import io.mproxy.common.unix.UnixDatagramSocket;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/** A unix datagram socket destination: one datagram per frame; no one bound at the path means down. */
public final class UnixLink implements Link {
    private final Path path;
    private UnixDatagramSocket socket;

    /** @param path the receiver's socket path. */
    public UnixLink(Path path) {
        this.path = path;
    }

    @Override
    public boolean connect() throws IOException {
        if (socket == null) {
            socket = UnixDatagramSocket.connect(path);
        }
        return true;
    }

    @Override
    public boolean isStream() {
        return false;
    }

    @Override
    public long write(ByteBuffer[] frames, int offset, int count) throws IOException {
        long bytes = 0;
        for (int i = offset; i < offset + count; i++) {
            bytes += frames[i].remaining();
            socket.send(frames[i]);
        }
        return bytes;
    }

    @Override
    public void await(long timeoutMillis) {
        // sends wait in the kernel (bounded by SO_SNDTIMEO)
    }

    @Override
    public void close() {
        if (socket != null) {
            socket.close();
            socket = null;
        }
    }
}
