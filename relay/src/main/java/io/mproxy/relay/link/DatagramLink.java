package io.mproxy.relay.link;

import java.io.IOException;
import java.nio.ByteBuffer;

/** A link that sends one datagram per frame (UDP, unix): a frame is sent whole or not at all. */
abstract class DatagramLink implements Link {
    private boolean open;

    /** Opens the socket. @throws IOException when the destination cannot be reached (it is down). */
    abstract void open() throws IOException;

    /** Sends one datagram. @param datagram its bytes; position moves to limit. @throws IOException on failure. */
    abstract void send(ByteBuffer datagram) throws IOException;

    /** Closes the socket. */
    abstract void closeSocket();

    @Override
    public final boolean connect() throws IOException {
        if (!open) {
            open();
            open = true;
        }
        return true;
    }

    @Override
    public final boolean isStream() {
        return false;
    }

    @Override
    public final long write(ByteBuffer[] frames, int offset, int count) throws IOException {
        long bytes = 0;
        for (int i = offset; i < offset + count; i++) {
            bytes += frames[i].remaining();
            send(frames[i]);
        }
        return bytes;
    }

    @Override
    public final void await(long timeoutMillis) {
        // sends wait in the kernel, briefly; nothing to wait for here
    }

    @Override
    public final void close() {
        open = false;
        closeSocket();
    }
}
