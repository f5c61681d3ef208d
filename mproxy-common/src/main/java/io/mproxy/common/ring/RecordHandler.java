package io.mproxy.common.ring;

import java.nio.ByteBuffer;

/** Sees one record of a {@link DatagramRing} in place. */
@FunctionalInterface
public interface RecordHandler {
    /**
     * @param buffer the ring's buffer; read it with absolute gets or a view, never keep it past the call.
     * @param offset where the record starts.
     * @param length its length in bytes.
     */
    void onRecord(ByteBuffer buffer, int offset, int length);
}
