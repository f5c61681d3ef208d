package io.mproxy.relay.link;

import io.mproxy.common.net.Endpoint;
import io.mproxy.common.net.MulticastSettings;
import io.mproxy.common.net.UdpChannels;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/** A connected UDP channel (unicast or multicast): one datagram per frame. */
public final class UdpLink implements Link {
    private final Endpoint destination;
    private final MulticastSettings multicast;
    private DatagramChannel channel;

    /** @param destination where to send. @param multicast settings when it is a group. */
    public UdpLink(Endpoint destination, MulticastSettings multicast) {
        this.destination = destination;
        this.multicast = multicast;
    }

    @Override
    public boolean connect() throws IOException {
        if (channel == null) {
            channel = UdpChannels.openSender(destination, multicast, 0);
        }
        return true;
    }

    @Override
    public boolean isStream() {
        return false;
    }

    @Override
    public long write(ByteBuffer[] frames, int offset, int count) throws IOException {
        long bytes = 0;
        for (int i = offset; i < offset + count; i++) {
            bytes += channel.write(frames[i]);
        }
        return bytes;
    }

    @Override
    public void await(long timeoutMillis) {
        // sends block briefly in the kernel; nothing to wait for
    }

    @Override
    public void close() {
        UdpChannels.closeQuietly(channel);
        channel = null;
    }
}
