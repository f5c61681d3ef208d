package io.mproxy.relay.listen;

import io.mproxy.common.net.DatagramBatch;
import io.mproxy.common.net.Endpoint;
import io.mproxy.common.net.MulticastSettings;
import io.mproxy.common.net.NetFormat;
import io.mproxy.common.net.NativeSocketOptions;
import io.mproxy.common.net.SocketDropCount;
import io.mproxy.common.net.UdpChannels;
import io.mproxy.common.stats.Counters;
import io.mproxy.common.stats.StatsReporter;
import io.mproxy.relay.queue.PacketRing;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;

/**
 * A UDP listener (unicast or a joined multicast group): non-blocking receives, a selector to wait. Where recvmmsg is
 * available the socket also takes runs of datagrams as one message ({@code UDP_GRO}: a sender's segmented send, or
 * what a network card coalesced), which spares the kernel its per-datagram receive work, and receives them straight
 * into the ring as the datagrams they were ({@link RingReceiver}). The kernel then counts a dropped run once
 * ({@link #kernelDrops()}).
 */
public final class UdpSource implements DatagramSource {
    private static final long WAIT_MILLIS = 100;

    private static final int BATCH = 64;
    /** {@code -Dmproxy.relay.recvmmsg=false} receives one datagram per syscall (for measuring what batching buys). */
    private static final boolean BATCHED = Boolean.parseBoolean(System.getProperty("mproxy.relay.recvmmsg", "true"));
    /** {@code -Dmproxy.relay.gro=false} takes every datagram as its own message (for measuring what UDP_GRO buys). */
    private static final boolean COALESCED = Boolean.parseBoolean(System.getProperty("mproxy.relay.gro", "true"));

    private final DatagramChannel channel;
    private final Selector selector;
    private final InetSocketAddress bound;
    /** Null where recvmmsg cannot be used: then one datagram per receive. */
    private final RingReceiver receiver;
    private final OneDatagram one = this::receiveOne;
    private final SocketDropCount drops;
    private final boolean coalesced;

    private UdpSource(DatagramChannel channel, Selector selector) throws IOException {
        this.channel = channel;
        this.selector = selector;
        this.bound = (InetSocketAddress) channel.getLocalAddress();
        this.drops = new SocketDropCount(channel);
        int fd = NativeSocketOptions.descriptor(channel);
        this.receiver = BATCHED && fd >= 0 && DatagramBatch.isAvailable()
            ? new RingReceiver(new DatagramBatch(BATCH, DatagramBatch.RUN_SLOT), fd) : null;
        this.coalesced = receiver != null && COALESCED && DatagramBatch.enableCoalescedReceive(fd);
    }

    /**
     * @param listen        the address or group.
     * @param multicast     settings for a group.
     * @param receiveBuffer SO_RCVBUF to request.
     * @return the bound source.
     * @throws IOException naming the address.
     */
    public static UdpSource open(Endpoint listen, MulticastSettings multicast, int receiveBuffer) throws IOException {
        DatagramChannel channel = UdpChannels.openReceiver(listen, multicast, receiveBuffer);
        try {
            channel.configureBlocking(false);
            Selector selector = Selector.open();
            channel.register(selector, SelectionKey.OP_READ);
            return new UdpSource(channel, selector);
        } catch (IOException | RuntimeException e) {
            UdpChannels.closeQuietly(channel);
            throw new IOException("cannot listen on " + listen.text() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Receives into the ring through a {@link RingReceiver} where recvmmsg is available (a run straight where it stays,
     * single datagrams in batches of up to 64), else one datagram at a time.
     */
    @Override
    public int receiveInto(PacketRing ring, Counters counters, boolean wait) throws IOException {
        if (receiver == null) {
            return DatagramSource.receiveOne(ring, counters, one, wait);
        }
        int n = receiver.receive(ring, counters);
        if (n == 0 && wait) {
            selector.select(WAIT_MILLIS);
            selector.selectedKeys().clear();
            n = receiver.receive(ring, counters);
        }
        return n;
    }

    private int receiveOne(ByteBuffer into, boolean wait) throws IOException {
        int start = into.position();
        if (channel.receive(into) != null) {
            return into.position() - start;
        }
        if (!wait) {
            return -1;
        }
        selector.select(WAIT_MILLIS);
        selector.selectedKeys().clear();
        return channel.receive(into) != null ? into.position() - start : -1;
    }

    @Override
    public String boundAddress() {
        return NetFormat.format(bound);
    }

    @Override
    public long kernelDrops() {
        return drops.get();
    }

    @Override
    public String kernelDropsLabel() {
        return StatsReporter.kernelDropsLabel(coalesced);
    }

    @Override
    public void close() {
        drops.keep();
        if (receiver != null) {
            receiver.close();
        }
        UdpChannels.closeQuietly(selector);
        UdpChannels.closeQuietly(channel);
    }
}
