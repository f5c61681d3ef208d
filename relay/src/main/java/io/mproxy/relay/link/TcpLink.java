package io.mproxy.relay.link;

import io.mproxy.common.net.Endpoint;
import io.mproxy.common.net.UdpChannels;
import io.mproxy.common.tcp.TcpCork;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/** A non-blocking TCP connection with gathering writes, corked around batches on Linux. */
public final class TcpLink implements Link {
    /** The most buffers one gathering write takes (the kernel's IOV_MAX). */
    public static final int MAX_GATHER = 1024;

    private final Endpoint destination;
    private final ByteBuffer probe = ByteBuffer.allocateDirect(512);
    private SocketChannel channel;
    private Selector selector;
    private SelectionKey key;
    private TcpCork cork;
    private boolean connected;
    private boolean corked;

    /** @param destination where to connect. */
    public TcpLink(Endpoint destination) {
        this.destination = destination;
    }

    @Override
    public boolean connect() throws IOException {
        if (connected) {
            return true;
        }
        try {
            if (channel == null) {
                channel = SocketChannel.open(destination.family());
                channel.configureBlocking(false);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                selector = Selector.open();
                key = channel.register(selector, SelectionKey.OP_CONNECT);
                connected = channel.connect(destination.address());
            } else {
                connected = channel.finishConnect();
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
        }
        if (connected) {
            key.interestOps(SelectionKey.OP_WRITE);
            cork = TcpCork.of(channel);
        }
        return connected;
    }

    @Override
    public boolean isStream() {
        return true;
    }

    @Override
    public long write(ByteBuffer[] frames, int offset, int count) throws IOException {
        return channel.write(frames, offset, Math.min(count, MAX_GATHER));
    }

    @Override
    public void beginBatch() {
        corked = cork.cork();
    }

    @Override
    public void endBatch() {
        if (corked) {
            cork.uncork();
            corked = false;
        }
    }

    @Override
    public void await(long timeoutMillis) throws IOException {
        if (selector != null) {
            selector.select(Math.max(1, timeoutMillis));
            selector.selectedKeys().clear();
        }
    }

    /** A sink never talks back: a read of -1 (or an error) means the peer is gone; stray bytes are discarded. */
    @Override
    public boolean peerClosed() {
        if (!connected) {
            return false;
        }
        try {
            probe.clear();
            return channel.read(probe) < 0;
        } catch (IOException e) {
            return true;
        }
    }

    @Override
    public void close() {
        connected = false;
        corked = false;
        UdpChannels.closeQuietly(selector);
        UdpChannels.closeQuietly(channel);
        selector = null;
        channel = null;
    }
}
