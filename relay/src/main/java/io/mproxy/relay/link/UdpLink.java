package io.mproxy.relay.link;

import io.mproxy.common.net.Endpoint;
import io.mproxy.common.net.MulticastSettings;
import io.mproxy.common.net.UdpChannels;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/** A connected UDP channel (unicast or multicast): one datagram per frame. */
public final class UdpLink extends DatagramLink {
    private final Endpoint destination;
    private final MulticastSettings multicast;
    private DatagramChannel channel;

    /** @param destination where to send. @param multicast settings when it is a group. */
    public UdpLink(Endpoint destination, MulticastSettings multicast) {
        this.destination = destination;
        this.multicast = multicast;
    }

    @Override
    void open() throws IOException {
        channel = UdpChannels.openSender(destination, multicast, 0);
    }

    @Override
    void send(ByteBuffer datagram) throws IOException {
        channel.write(datagram);
    }

    @Override
    void closeSocket() {
        UdpChannels.closeQuietly(channel);
        channel = null;
    }
}
