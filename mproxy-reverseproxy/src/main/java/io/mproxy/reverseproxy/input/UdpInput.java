package io.mproxy.reverseproxy.input;

import io.mproxy.common.net.DatagramBatch;
import io.mproxy.common.net.Endpoint;
import io.mproxy.common.stats.Counter;
import io.mproxy.common.stats.Counters;
import io.mproxy.reverseproxy.net.BatchReceiveLoop;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.EnumSet;

/**
 * {@code --udp-listen-addr}: one thread receives up to {@value BatchReceiveLoop#BATCH} messages per syscall and sends
 * them onto the group from where they were received, with one {@code sendmmsg}: two syscalls per batch, no copy and
 * no hand-off to another thread. A message is one datagram or, where the group takes batches, a run of them taken
 * coalesced ({@code UDP_GRO}: a sender's segmented send, or what a network card coalesced), which goes on to the group
 * segmented as it came: the kernel then does its per-datagram work neither here nor at the group's readers. A UDP send
 * to the group does not wait for any reader (the kernel drops for a full receiver instead), so sending on the
 * receiving thread never leaves the socket unread for long.
 */
public final class UdpInput implements BatchReceiveLoop.Handler, AutoCloseable {
    /** {@code -Dmproxy.reverseproxy.gro=false} takes every datagram as its own message (to measure what GRO buys). */
    private static final boolean COALESCED =
        Boolean.parseBoolean(System.getProperty("mproxy.reverseproxy.gro", "true"));

    private final Endpoint endpoint;
    private final GroupSender sender;
    private final Counters counters;
    private final BatchReceiveLoop loop;
    private ByteBuffer teeView;

    /**
     * @param endpoint what the channel listens on (with its port).
     * @param channel  the bound channel; closed with this input.
     * @param sender   where datagrams go.
     * @throws IOException when the channel cannot be set up for batched receives.
     */
    public UdpInput(Endpoint endpoint, DatagramChannel channel, GroupSender sender) throws IOException {
        this.endpoint = endpoint;
        this.sender = sender;
        this.counters = new Counters("udp input " + endpoint.text(),
            EnumSet.of(Counter.DATAGRAMS_IN, Counter.BYTES_IN, Counter.DATAGRAMS_OUT, Counter.ERRORS));
        this.loop = new BatchReceiveLoop("udp-input " + endpoint.text(), endpoint.text(), channel, counters, this,
            sender.sendsBatches() && COALESCED);
    }

    /** @return the address listened on. */
    public Endpoint endpoint() {
        return endpoint;
    }

    /** @return the input's counters. */
    public Counters counters() {
        return counters;
    }

    /** @return what {@link #kernelDrops()} counts ({@link BatchReceiveLoop#kernelDropsLabel()}). */
    public String kernelDropsLabel() {
        return loop.kernelDropsLabel();
    }

    /** @return the kernel's drop count for the socket, or -1. */
    public long kernelDrops() {
        return loop.kernelDrops();
    }

    /** Starts receiving. @return this for a fluent API. */
    public UdpInput start() {
        loop.start();
        return this;
    }

    @Override
    public void onBatch(DatagramBatch batch, int count) throws IOException {
        if (!sender.sendsBatches()) {
            ByteBuffer data = batch.data();
            for (int i = 0; i < count; i++) {
                int offset = batch.offset(i);
                sender.send(data.limit(offset + batch.length(i)).position(offset), counters);
            }
            return;
        }
        if (teeView == null) {
            teeView = batch.data().duplicate();
        }
        sender.send(batch, count, counters, teeView);
    }

    @Override
    public void onDatagram(ByteBuffer datagram) {
        sender.send(datagram, counters);
    }

    /** Stops receiving; what the kernel already holds for the socket is still sent. */
    @Override
    public void close() {
        loop.close();
    }
}
