package io.mproxy.common.framing;

import java.io.IOException;
import java.nio.ByteBuffer;

/** Takes one datagram at a time: the bytes between position and limit, which it must not keep. */
@FunctionalInterface
public interface DatagramSink {
    /**
     * @param datagram the datagram's bytes between position and limit; valid only during the call.
     * @throws IOException when the datagram cannot be passed on at all.
     */
    void accept(ByteBuffer datagram) throws IOException;
}
