package io.mproxy.reverseproxy.broadcast;

import io.mproxy.common.framing.Framing;
import io.mproxy.common.framing.StreamFramer;
import io.mproxy.common.net.Endpoint;
import io.mproxy.common.net.UdpChannels;
import io.mproxy.common.net.UdpReceiveLoop;
import io.mproxy.common.stats.Counter;
import io.mproxy.common.stats.Counters;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.EnumSet;

/**
 * The one reader of the multicast group: receives each datagram straight into the {@link BroadcastRing}, already
 * framed for the outputs (a length prefix, or a newline where a line lacks one), on its own platform thread
 * ({@link UdpReceiveLoop}). It never waits for an output, so the group socket is drained as fast as the kernel
 * delivers.
 */
public final class GroupReader implements AutoCloseable {
    private final BroadcastRing ring;
    private final Framing framing;
    private final int prefix;
    private final Counters counters;
    private final UdpReceiveLoop loop;

    /**
     * @param group   the group, for messages.
     * @param channel a channel joined to the group; this reader closes it.
     * @param ring    where datagrams go; its records must hold {@link #maxRecord()} bytes.
     * @param framing how each datagram is laid out for the stream outputs.
     */
    public GroupReader(Endpoint group, DatagramChannel channel, BroadcastRing ring, Framing framing) {
        this.ring = ring;
        this.framing = framing;
        this.prefix = framing == Framing.LENGTH ? StreamFramer.LENGTH_PREFIX : 0;
        this.counters = new Counters("group " + group.text(),
            EnumSet.of(Counter.DATAGRAMS_IN, Counter.BYTES_IN, Counter.ERRORS));
        this.loop = new UdpReceiveLoop("group-receive " + group.text(), "group " + group.text(), channel, counters,
            this::receiveOne);
    }

    /** @return the largest record any datagram makes: the largest UDP payload, a length prefix and a newline. */
    public static int maxRecord() {
        return StreamFramer.LENGTH_PREFIX + UdpChannels.MAX_UDP_PAYLOAD + 1;
    }

    /** @return datagrams and bytes received from the group, and errors. */
    public Counters counters() {
        return counters;
    }

    /** Starts the receiving thread. @return this for a fluent API. */
    public GroupReader start() {
        loop.start();
        return this;
    }

    private void receiveOne(DatagramChannel channel) throws IOException {
        ByteBuffer view = ring.claim();
        int start = view.position();
        view.position(start + prefix).limit(start + prefix + UdpChannels.MAX_UDP_PAYLOAD);
        if (channel.receive(view) == null) {
            return;
        }
        int length = view.position() - start - prefix;
        counters.countIn(length);
        int end = view.position();
        if (framing == Framing.LENGTH) {
            view.putInt(start, length);
        } else if (framing == Framing.LINE && (length == 0 || view.get(end - 1) != '\n')) {
            view.limit(end + 1).put(end, (byte) '\n');
            end++;
        }
        ring.commit(end - start);
    }

    /** @return the kernel's drop count for the group socket (Linux), its last value once closed, or -1. */
    public long kernelDrops() {
        return loop.kernelDrops();
    }

    /** Stops receiving: closes the socket and waits for the thread to end. */
    @Override
    public void close() {
        loop.close();
    }
}
