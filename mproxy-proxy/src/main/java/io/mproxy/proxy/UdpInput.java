package io.mproxy.proxy;

import io.mproxy.common.net.DatagramBatch;
import io.mproxy.common.net.Endpoint;
import io.mproxy.common.net.NativeSocket;
import io.mproxy.common.net.UdpChannels;
import io.mproxy.common.net.UdpReceiveLoop;
import io.mproxy.common.stats.Counter;
import io.mproxy.common.stats.Counters;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;

/**
 * One UDP listener on its own platform thread: receives and sends on at once, in the same thread. Sending UDP does
 * not wait for any peer, so the socket is not left unread for long, and its receive buffer ({@code --rcvbuf}) rides
 * out the thread's scheduling stalls. Measured on a 2-core machine, this direct loop passed more datagrams without
 * loss than a receiving thread with a ring and a separate sending thread, which competes for the cores with
 * everything else (see the README).
 *
 * <p>On Linux it moves {@link DatagramBatch}es: one {@code recvmmsg} takes the datagrams the socket holds (up to
 * {@link #BATCH}, blocking only for the first) and one {@code sendmmsg} per downstream sends them on, from the same
 * memory. After a stall the backlog then drains with a few syscalls instead of three per datagram, which is what
 * keeps a burst from overflowing the socket. Elsewhere it receives and sends one datagram at a time. An error on one
 * receive is counted and logged, and the loop goes on ({@link UdpReceiveLoop}).
 */
final class UdpInput implements AutoCloseable {
    /** Datagrams per receive at most: enough to take a backlog in few calls, short enough to send it on soon. */
    static final int BATCH = 32;

    private final Endpoint endpoint;
    private final Downstreams sink;
    private final Counters counters;
    private final NativeSocket socket;
    private final DatagramBatch batch;
    private final ByteBuffer buffer;
    private final UdpReceiveLoop loop;
    private volatile boolean closing;

    /**
     * @param endpoint what the channel listens on, with its bound port.
     * @param channel  a bound, blocking channel; this input closes it.
     * @param sink     where datagrams go.
     * @param counters counts datagrams and bytes in, and errors.
     */
    UdpInput(Endpoint endpoint, DatagramChannel channel, Downstreams sink, Counters counters) {
        this.endpoint = endpoint;
        this.sink = sink;
        this.counters = counters;
        this.socket = DatagramBatch.isAvailable() ? NativeSocket.duplicate(channel) : null;
        this.batch = socket == null ? null : new DatagramBatch(BATCH, UdpChannels.MAX_UDP_PAYLOAD);
        this.buffer = socket == null ? ByteBuffer.allocateDirect(UdpChannels.MAX_UDP_PAYLOAD) : null;
        this.loop = new UdpReceiveLoop("udp-input " + endpoint.text(), endpoint.text(), channel, counters,
            socket == null ? this::forwardOne : this::forwardBatch);
    }

    /** Starts the thread. @return this for a fluent API. */
    UdpInput start() {
        loop.start();
        return this;
    }

    private void forwardBatch(DatagramChannel channel) throws IOException {
        if (closing) {
            throw new ClosedChannelException();
        }
        int count = batch.receive(socket.fd());
        if (count > 0) {
            counters.add(Counter.DATAGRAMS_IN, count);
            counters.add(Counter.BYTES_IN, batch.bytes(0, count));
            sink.send(batch);
        }
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

    /**
     * Stops: wakes a blocked batch receive (its descriptor is closed only after the thread ended, so it can never
     * name another socket), closes the socket and waits for the thread to end.
     */
    @Override
    public void close() {
        closing = true;
        if (socket != null) {
            socket.shutdownInput();
        }
        loop.close();
        if (socket != null) {
            socket.close();
            batch.close();
        }
    }
}
