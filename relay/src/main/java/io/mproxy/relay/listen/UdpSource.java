package io.mproxy.relay.listen;

import io.mproxy.common.net.DatagramBatch;
import io.mproxy.common.net.Endpoint;
import io.mproxy.common.net.MulticastSettings;
import io.mproxy.common.net.NetFormat;
import io.mproxy.common.net.NativeSocketOptions;
import io.mproxy.common.net.SocketDropCount;
import io.mproxy.common.net.UdpChannels;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;

/** A UDP listener (unicast or a joined multicast group): non-blocking receives, a selector to wait. */
public final class UdpSource implements DatagramSource {
    private static final long WAIT_MILLIS = 100;

    private static final int BATCH = 64;
    /** {@code -Dmproxy.relay.recvmmsg=false} receives one datagram per syscall (for measuring what batching buys). */
    private static final boolean BATCHED = Boolean.parseBoolean(System.getProperty("mproxy.relay.recvmmsg", "true"));

    private final DatagramChannel channel;
    private final Selector selector;
    private final InetSocketAddress bound;
    /** Null where recvmmsg cannot be used: then one datagram per receive. */
    private final DatagramBatch batch;
    private final int fd;
    private int received;
    private int next;
    private final SocketDropCount drops;

    private UdpSource(DatagramChannel channel, Selector selector) throws IOException {
        this.channel = channel;
        this.selector = selector;
        this.bound = (InetSocketAddress) channel.getLocalAddress();
        this.drops = new SocketDropCount(channel);
        this.fd = NativeSocketOptions.descriptor(channel);
        this.batch = BATCHED && fd >= 0 && DatagramBatch.isAvailable()
            ? new DatagramBatch(BATCH, UdpChannels.MAX_UDP_PAYLOAD) : null;
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

    /** Takes datagrams from a recvmmsg batch (one syscall for up to 64) where available, else one at a time. */
    @Override
    public int receive(ByteBuffer into, boolean wait) throws IOException {
        if (batch == null) {
            return receiveOne(into, wait);
        }
        if (next == received) {
            next = 0;
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
        ByteBuffer datagram = batch.datagram(next++);
        int length = datagram.remaining();
        into.put(datagram);
        return length;
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
    public void close() {
        drops.keep();
        if (batch != null) {
            batch.close();
        }
        UdpChannels.closeQuietly(selector);
        UdpChannels.closeQuietly(channel);
    }
}
