package io.mproxy.common.net;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ProtocolFamily;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnknownHostException;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;

/** Finds network interfaces by name or address, and the one the system would use for a multicast group. */
public final class Interfaces {
    private Interfaces() {
    }

    /**
     * @param nameOrAddress an interface name ({@code eth0}) or one of its addresses ({@code 192.168.1.2}).
     * @return the interface.
     * @throws IllegalArgumentException naming the value and the interfaces there are, when there is no such interface.
     */
    public static NetworkInterface byNameOrAddress(String nameOrAddress) {
        try {
            NetworkInterface byName = NetworkInterface.getByName(nameOrAddress);
            if (byName != null) {
                return byName;
            }
            if (looksLikeAddress(nameOrAddress)) {
                NetworkInterface byAddress = NetworkInterface.getByInetAddress(InetAddress.getByName(nameOrAddress));
                if (byAddress != null) {
                    return byAddress;
                }
            }
        } catch (SocketException | UnknownHostException e) {
            // fall through to the message below
        }
        throw new IllegalArgumentException("unknown network interface '" + nameOrAddress + "' (there are: "
            + String.join(", ", names()) + ")");
    }

    private static boolean looksLikeAddress(String text) {
        return text.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == '.' || c == ':' || c == '%');
    }

    private static List<String> names() {
        List<String> names = new ArrayList<>();
        try {
            NetworkInterface.networkInterfaces().forEach(n -> names.add(n.getName()));
        } catch (SocketException e) {
            names.add("?");
        }
        return names;
    }

    /**
     * The interface the system would send to {@code group} from: the one its route picks (found by connecting a
     * datagram socket, which sends nothing), else the group's IPv6 scope, else the first interface that is up, does
     * multicast and has an address of the group's family, else loopback.
     *
     * @param group a multicast group.
     * @return the interface to pin multicast to.
     * @throws IOException when there is no interface at all for the family.
     */
    public static NetworkInterface defaultFor(InetSocketAddress group) throws IOException {
        InetAddress address = group.getAddress();
        if (address instanceof Inet6Address v6 && v6.getScopedInterface() != null) {
            return v6.getScopedInterface();
        }
        ProtocolFamily family = Endpoint.familyOf(address);
        try (DatagramChannel probe = DatagramChannel.open(family)) {
            probe.connect(group);
            InetAddress local = ((InetSocketAddress) probe.getLocalAddress()).getAddress();
            NetworkInterface routed = local.isAnyLocalAddress() ? null : NetworkInterface.getByInetAddress(local);
            if (routed != null) {
                return routed;
            }
        } catch (IOException | RuntimeException e) {
            // no route to the group: choose below
        }
        NetworkInterface loopback = null;
        for (NetworkInterface nif : NetworkInterface.networkInterfaces().toList()) {
            if (!nif.isUp() || !hasFamily(nif, family)) {
                continue;
            }
            if (nif.isLoopback()) {
                loopback = nif;
            } else if (nif.supportsMulticast()) {
                return nif;
            }
        }
        if (loopback != null) {
            return loopback;
        }
        throw new IOException("no network interface for " + NetFormat.format(group)
            + ": name one with --multicast-interface");
    }

    /**
     * @param nif an interface, or null.
     * @return whether it is a loopback interface; false for null, or when the system cannot say (it is gone).
     */
    public static boolean isLoopback(NetworkInterface nif) {
        try {
            return nif != null && nif.isLoopback();
        } catch (SocketException e) {
            return false;
        }
    }

    private static boolean hasFamily(NetworkInterface nif, ProtocolFamily family) {
        return nif.inetAddresses().anyMatch(a -> family == StandardProtocolFamily.INET
            ? a instanceof Inet4Address : a instanceof Inet6Address);
    }
}
