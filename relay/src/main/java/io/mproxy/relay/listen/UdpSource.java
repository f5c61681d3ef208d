package io.mproxy.relay.listen;

import io.mproxy.common.net.DatagramBatch;
import io.mproxy.common.net.Endpoint;
import io.mproxy.common.net.MulticastSettings;
import io.mproxy.common.net.NetFormat;
import io.mproxy.common.net.NativeSocketOptions;
import io.mproxy.common.net.SocketDropCount;
import io.mproxy.common.net.UdpChannels;
import io.mproxy.common.stats.StatsReporter;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;

/**
 * A UDP listener (unicast or a joined multicast group): non-blocking receives, a selector to wait. Where recvmmsg is
 * available the socket also takes runs of datagrams as one message ({@code UDP_GRO}: a sender's segmented send, or
 * what a network card coalesced), which spares the kernel its per-datagram receive work; {@link #receive} cuts them
 * back into the datagrams they were. The kernel then counts a dropped run once ({@link #kernelDrops()}).
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
    private final DatagramBatch batch;
    private final int fd;
    private int received;
    private int next;
    /** Where the next datagram starts within message {@code next} (a coalesced run holds several). */
    private int offset;
    private final SocketDropCount drops;
    private final boolean coalesced;

    private UdpSource(DatagramChannel channel, Selector selector) throws IOException {
        this.channel = channel;
        this.selector = selector;
        this.bound = (InetSocketAddress) channel.getLocalAddress();
        this.drops = new SocketDropCount(channel);
        this.fd = NativeSocketOptions.descriptor(channel);
        this.batch = BATCHED && fd >= 0 && DatagramBatch.isAvailable() ? new DatagramBatch(BATCH, DatagramBatch.RUN_SLOT) : null;
        this.coalesced = batch != null && COALESCED && DatagramBatch.enableCoalescedReceive(fd);
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
     * Takes datagrams from a recvmmsg batch (one syscall for up to 64 messages, each one datagram or a run of them)
     * where available, else one at a time.
     */
    @Override
    public int receive(ByteBuffer into, boolean wait) throws IOException {
        if (batch == null) {
            return receiveOne(into, wait);
        }
        if (next == received) {
            next = 0;
            offset = 0;
            received = batch.receive(fd, false);
            if (received == 0 && wait) {
                selector.select(WAIT_MILLIS);
                selector.selectedKeys().clear();
                received = batch.receive(fd, false);
            }
            if (received == 0) {
                return -1;
            }
        }
        int length = batch.length(next);
        int segment = batch.segmentSize(next);
        int take = segment > 0 ? Math.min(segment, length - offset) : length;
        int at = into.position();
        into.put(at, batch.datagram(next), offset, take).position(at + take);
        offset += take;
        if (offset >= length) {
            next++;
            offset = 0;
        }
        return take;
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
        if (batch != null) {
            batch.close();
        }
        UdpChannels.closeQuietly(selector);
        UdpChannels.closeQuietly(channel);
    }
}
