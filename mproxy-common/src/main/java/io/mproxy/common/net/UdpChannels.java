package io.mproxy.common.net;

import io.mproxy.common.Errors;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;

/**
 * Opens UDP channels the way every mproxy binary needs them: senders connected to one destination (unicast or
 * multicast, with IP_MULTICAST_IF, TTL and loopback always set), receivers bound and, for groups, joined on a pinned
 * interface with SO_REUSEADDR. A channel that fails half way is closed and the error names the endpoint.
 */
public final class UdpChannels {
    /** Payload space that no UDP datagram over IPv4 or IPv6 (without jumbograms) exceeds. */
    public static final int MAX_UDP_PAYLOAD = 65_527;

    private UdpChannels() {
    }

    /**
     * Opens a blocking channel connected to {@code destination}.
     *
     * @param destination unicast or multicast destination.
     * @param multicast   multicast settings, used when the destination is a group.
     * @param sendBuffer  SO_SNDBUF to request, 0 for the default.
     * @return the connected channel.
     * @throws IOException naming the destination.
     */
    public static DatagramChannel openSender(Endpoint destination, MulticastSettings multicast, int sendBuffer)
        throws IOException {
        DatagramChannel channel = DatagramChannel.open(destination.family());
        try {
            SocketBuffers.setSend(channel, sendBuffer);
            Endpoint target = destination;
            if (destination.isMulticast()) {
                NetworkInterface nif = interfaceFor(destination, multicast);
                channel.setOption(StandardSocketOptions.IP_MULTICAST_IF, nif);
                channel.setOption(StandardSocketOptions.IP_MULTICAST_TTL, multicast.ttl());
                channel.setOption(StandardSocketOptions.IP_MULTICAST_LOOP, multicast.loop());
                target = scopedGroup(destination, nif);
            }
            channel.connect(target.address());
            return channel;
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            throw new IOException("cannot send to " + destination.text() + ": " + Errors.describe(e), e);
        }
    }

    /**
     * Opens a blocking channel bound to {@code listen}; for a group, bound to the group's port with SO_REUSEADDR and
     * joined on the chosen interface.
     *
     * @param listen        unicast address to bind, or a multicast group to join.
     * @param multicast     multicast settings, used when {@code listen} is a group.
     * @param receiveBuffer SO_RCVBUF to request, 0 for the default.
     * @return the bound channel.
     * @throws IOException naming the endpoint, e.g. when the port is in use.
     */
    public static DatagramChannel openReceiver(Endpoint listen, MulticastSettings multicast, int receiveBuffer)
        throws IOException {
        DatagramChannel channel = DatagramChannel.open(listen.family());
        try {
            if (listen.isMulticast()) {
                NetworkInterface nif = interfaceFor(listen, multicast);
                channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                channel.setOption(StandardSocketOptions.IP_MULTICAST_IF, nif);
                channel.setOption(StandardSocketOptions.IP_MULTICAST_LOOP, multicast.loop());
                channel.bind(bindAddressForGroup(scopedGroup(listen, nif)));
                // after bind: a forced size (SO_RCVBUFFORCE) needs the socket's address to find its descriptor
                SocketBuffers.setReceive(channel, receiveBuffer);
                channel.join(listen.address().getAddress(), nif);
            } else {
                channel.bind(listen.address());
                SocketBuffers.setReceive(channel, receiveBuffer);
            }
            return channel;
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            throw new IOException("cannot listen on " + listen.text() + ": " + Errors.describe(e), e);
        }
    }

    /** Binding to the group (Linux) keeps other groups on the same port out; elsewhere the wildcard. */
    private static InetSocketAddress bindAddressForGroup(Endpoint group) throws IOException {
        if (System.getProperty("os.name", "").startsWith("Linux")) {
            return group.address();
        }
        InetAddress any = group.family() == StandardProtocolFamily.INET
            ? InetAddress.getByName("0.0.0.0") : InetAddress.getByName("::");
        return new InetSocketAddress(any, group.port());
    }

    /**
     * Linux refuses to bind or connect to a link-local or node-local IPv6 group ({@code ff02::1}) without a scope:
     * such a group gets the scope of the interface multicast is pinned to.
     *
     * @param group a multicast group.
     * @param nif   the interface it is used on.
     * @return the group with a scope where it needs one, else the group itself.
     * @throws IOException when the scoped address cannot be made.
     */
    public static Endpoint scopedGroup(Endpoint group, NetworkInterface nif) throws IOException {
        if (group.address().getAddress() instanceof Inet6Address v6 && v6.getScopeId() == 0
            && (v6.isMCLinkLocal() || v6.isMCNodeLocal())) {
            Inet6Address withScope = Inet6Address.getByAddress(null, v6.getAddress(), nif);
            return new Endpoint(group.text(), new InetSocketAddress(withScope, group.port()));
        }
        return group;
    }

    /**
     * @param group     a multicast group.
     * @param multicast the settings: their interface, else the system's choice for the group.
     * @return the group with a scope where it needs one (see {@link #scopedGroup(Endpoint, NetworkInterface)}).
     * @throws IOException when no interface can be found.
     */
    public static Endpoint scopedGroup(Endpoint group, MulticastSettings multicast) throws IOException {
        return scopedGroup(group, interfaceFor(group, multicast));
    }

    /**
     * The one place that decides which interface a group is used on, so what is logged is what sockets are pinned to.
     *
     * @param group     a multicast group.
     * @param multicast the settings: their interface, else the system's choice for the group.
     * @return the interface.
     * @throws IOException when there is none, or an IPv4 group's interface has no IPv4 address.
     */
    public static NetworkInterface interfaceFor(Endpoint group, MulticastSettings multicast) throws IOException {
        NetworkInterface nif = multicast.networkInterface();
        if (nif == null) {
            nif = Interfaces.defaultFor(group.address());
        }
        boolean v4 = group.address().getAddress() instanceof Inet4Address;
        boolean hasFamily = nif.inetAddresses().anyMatch(a -> (a instanceof Inet4Address) == v4);
        if (v4 && !hasFamily) {
            throw new IOException("interface " + nif.getName() + " has no IPv4 address for group " + group.text());
        }
        return nif;
    }

    /** Closes without throwing. @param closeable what to close, may be null. */
    public static void closeQuietly(AutoCloseable closeable) {
        if (closeable != null) {
            try {
                closeable.close();
            } catch (Exception ignored) {
                // closing is best effort
            }
        }
    }
}
