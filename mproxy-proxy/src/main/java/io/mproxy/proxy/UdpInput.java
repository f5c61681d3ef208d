package io.mproxy.proxy;

import io.mproxy.common.framing.DatagramSink;
import io.mproxy.common.net.Endpoint;
import io.mproxy.common.net.UdpChannels;
import io.mproxy.common.net.UdpReceiveLoop;
import io.mproxy.common.stats.Counters;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/**
 * One UDP listener on its own platform thread: receives a datagram and sends it on at once, in the same thread.
 * Sending UDP does not wait for any peer, so the socket is not left unread for long, and its receive buffer
 * ({@code --rcvbuf}) rides out the thread's scheduling stalls. Measured on a 2-core machine, this direct loop passed
 * more datagrams without loss than a receiving thread with a ring and a separate sending thread, which competes for
 * the cores with everything else (see the README). An error on one receive is counted and logged, and the loop goes
 * on ({@link UdpReceiveLoop}).
 */
final class UdpInput implements AutoCloseable {
    private final Endpoint endpoint;
    private final DatagramSink sink;
    private final Counters counters;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(UdpChannels.MAX_UDP_PAYLOAD);
    private final UdpReceiveLoop loop;

    /**
     * @param endpoint what the channel listens on, with its bound port.
     * @param channel  a bound, blocking channel; this input closes it.
     * @param sink     where datagrams go.
     * @param counters counts datagrams and bytes in, and errors.
     */
    UdpInput(Endpoint endpoint, DatagramChannel channel, DatagramSink sink, Counters counters) {
        this.endpoint = endpoint;
        this.sink = sink;
        this.counters = counters;
        this.loop = new UdpReceiveLoop("udp-input " + endpoint.text(), endpoint.text(), channel, counters,
            this::forwardOne);
    }

    /** Starts the thread. @return this for a fluent API. */
    UdpInput start() {
        loop.start();
        return this;
    }

    private void forwardOne(DatagramChannel channel) throws IOException {
        buffer.clear();
        if (channel.receive(buffer) != null) {
            buffer.flip();
            counters.countIn(buffer.remaining());
            sink.accept(buffer);
        }
    }

    /** @return the endpoint, with its bound port. */
    Endpoint endpoint() {
        return endpoint;
    }

    /** @return the kernel's drop count for this socket (Linux), its last value once closed, or -1. */
    long kernelDrops() {
        return loop.kernelDrops();
    }

    /** Stops: closes the socket (ending a blocked receive) and waits for the thread to end. */
    @Override
    public void close() {
        loop.close();
    }
}
