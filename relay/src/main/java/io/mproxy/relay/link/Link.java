package io.mproxy.relay.link;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One connection to a destination, driven by its worker without ever blocking for long: {@link #connect()} starts
 * and finishes a connection, {@link #write} sends what the socket takes now. Each buffer is one frame; a frame left
 * half written when the connection fails is sent again whole on the next connection.
 */
public interface Link extends AutoCloseable {
    /**
     * Starts a connection, or checks on one started before.
     *
     * @return true once connected.
     * @throws IOException when the attempt failed (the link is closed).
     */
    boolean connect() throws IOException;

    /** @return true for a byte stream, where a frame can be half written. */
    boolean isStream();

    /**
     * Writes as much of {@code frames[offset .. offset+count)} as the socket takes without blocking long (a stream
     * gathers them into one write); each buffer's position shows what was written.
     *
     * @param frames the frames.
     * @param offset the first.
     * @param count  how many.
     * @return bytes written (0 when the socket takes nothing now).
     * @throws IOException when the connection failed.
     */
    long write(ByteBuffer[] frames, int offset, int count) throws IOException;

    /** Marks the start of a batch of frames (TCP_CORK on). */
    default void beginBatch() {
    }

    /** Marks the end of a batch (TCP_CORK off: what is held back goes out). */
    default void endBatch() {
    }

    /**
     * Waits until the connection can take more or finishes connecting.
     *
     * @param timeoutMillis the longest wait.
     * @throws IOException on a failure of the wait.
     */
    void await(long timeoutMillis) throws IOException;

    /** @return true when the peer closed the connection or it failed (checked without blocking). */
    default boolean peerClosed() {
        return false;
    }

    /** Closes the connection; the link can {@link #connect()} again. */
    @Override
    void close();
}
