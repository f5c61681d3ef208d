package io.mproxy.common.net;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;

/** Formats addresses the way users write them: {@code 1.2.3.4:5} and {@code [v6%scope]:5}. */
public final class NetFormat {
    private NetFormat() {
    }

    /**
     * @param address an address.
     * @return {@code host:port}, with IPv6 hosts in brackets and the numeric host.
     */
    public static String format(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        if (ip == null) {
            return address.getHostString() + ":" + address.getPort();
        }
        String host = ip.getHostAddress();
        if (ip instanceof Inet6Address v6) {
            int percent = host.indexOf('%');
            String bare = percent < 0 ? host : host.substring(0, percent);
            String scope = v6.getScopedInterface() != null ? v6.getScopedInterface().getName()
                : v6.getScopeId() != 0 ? interfaceName(v6.getScopeId()) : null;
            return "[" + compress(bare) + (scope == null ? "" : "%" + scope) + "]:" + address.getPort();
        }
        return host + ":" + address.getPort();
    }

    /** @return the name of the interface with that index, or the index when there is none. */
    private static String interfaceName(int index) {
        try {
            NetworkInterface nif = NetworkInterface.getByIndex(index);
            return nif != null ? nif.getName() : Integer.toString(index);
        } catch (SocketException e) {
            return Integer.toString(index);
        }
    }

    /** Compresses the longest run of zero groups of a full IPv6 text into "::". */
    static String compress(String full) {
        String[] groups = full.split(":", -1);
        if (groups.length != 8) {
            return full;
        }
        int bestStart = -1;
        int bestLength = 0;
        for (int i = 0; i < 8; ) {
            if (groups[i].equals("0")) {
                int j = i;
                while (j < 8 && groups[j].equals("0")) {
                    j++;
                }
                if (j - i > bestLength && j - i > 1) {
                    bestStart = i;
                    bestLength = j - i;
                }
                i = j;
            } else {
                i++;
            }
        }
        if (bestStart < 0) {
            return full;
        }
        String head = String.join(":", java.util.Arrays.copyOfRange(groups, 0, bestStart));
        String tail = String.join(":", java.util.Arrays.copyOfRange(groups, bestStart + bestLength, 8));
        return head + "::" + tail;
    }
}
