package io.mproxy.common.net;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;

/**
 * Parses {@code host:port}, {@code [v6]:port}, {@code [fe80::1%iface]:port} and {@code hostname:port}, and resolves
 * the host. Every error names the bad value and what is expected.
 */
public final class EndpointParser {
    private EndpointParser() {
    }

    /**
     * @param text          the endpoint text.
     * @param allowPortZero true where a listener may take any free port.
     * @return the resolved endpoint.
     * @throws InvalidEndpointException when the text is malformed or the port out of range.
     * @throws UnresolvedHostException when the host name does not resolve.
     */
    public static Endpoint parse(String text, boolean allowPortZero) {
        if (text == null || text.isBlank()) {
            throw new InvalidEndpointException("empty address: expected HOST:PORT or [IPv6]:PORT");
        }
        String host;
        String portText;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0) {
                throw new InvalidEndpointException("'" + text + "' has no closing ']': expected [IPv6]:PORT");
            }
            host = text.substring(1, close);
            if (close + 1 >= text.length() || text.charAt(close + 1) != ':') {
                throw new InvalidEndpointException("'" + text + "' has no port: expected [IPv6]:PORT");
            }
            portText = text.substring(close + 2);
        } else {
            int colon = text.lastIndexOf(':');
            if (colon < 0) {
                throw new InvalidEndpointException("'" + text + "' has no port: expected HOST:PORT or [IPv6]:PORT");
            }
            host = text.substring(0, colon);
            portText = text.substring(colon + 1);
            if (host.indexOf(':') >= 0) {
                throw new InvalidEndpointException(
                    "'" + text + "' is ambiguous: write IPv6 addresses in brackets, as [" + host + "]:" + portText);
            }
        }
        if (host.isEmpty()) {
            throw new InvalidEndpointException("'" + text + "' has no host: expected HOST:PORT or [IPv6]:PORT");
        }
        int port = parsePort(text, portText, allowPortZero);
        return new Endpoint(text, new InetSocketAddress(resolve(text, host), port));
    }

    private static int parsePort(String text, String portText, boolean allowPortZero) {
        int min = allowPortZero ? 0 : 1;
        int port;
        try {
            port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < min || port > 65535 || !portText.chars().allMatch(Character::isDigit)) {
            throw new InvalidEndpointException(
                "'" + text + "' has an invalid port '" + portText + "': expected " + min + " to 65535");
        }
        return port;
    }

    private static InetAddress resolve(String text, String host) {
        int percent = host.indexOf('%');
        if (percent >= 0) {
            return scoped(text, host.substring(0, percent), host.substring(percent + 1));
        }
        try {
            InetAddress[] all = InetAddress.getAllByName(host);
            return all[0];
        } catch (UnknownHostException e) {
            throw new UnresolvedHostException("unknown host '" + host + "' in '" + text + "'");
        }
    }

    private static InetAddress scoped(String text, String literal, String scope) {
        InetAddress plain;
        try {
            plain = InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            plain = null;
        }
        if (!(plain instanceof Inet6Address) || !isIpv6Literal(literal)) {
            throw new InvalidEndpointException(
                "'" + text + "': a %scope only follows an IPv6 address, as [fe80::1%eth0]:PORT");
        }
        try {
            if (scope.chars().allMatch(Character::isDigit) && !scope.isEmpty()) {
                return Inet6Address.getByAddress(null, plain.getAddress(), Integer.parseInt(scope));
            }
            NetworkInterface nif = NetworkInterface.getByName(scope);
            if (nif == null) {
                throw new InvalidEndpointException("'" + text + "': unknown network interface '" + scope + "'");
            }
            try {
                return Inet6Address.getByAddress(null, plain.getAddress(), nif);
            } catch (UnknownHostException e) {
                // The JDK ties a scope to an interface only when it has an address of that scope (lo has no fe80::);
                // the kernel needs just the interface's index.
                return Inet6Address.getByAddress(null, plain.getAddress(), nif.getIndex());
            }
        } catch (UnknownHostException | SocketException e) {
            throw new InvalidEndpointException("'" + text + "': bad scope '" + scope + "': " + e.getMessage());
        }
    }

    private static boolean isIpv6Literal(String literal) {
        return literal.indexOf(':') >= 0
            && literal.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.');
    }

    /**
     * Checks that the endpoint is a multicast group.
     *
     * @param endpoint the endpoint.
     * @param option   the option that named it, for the message.
     * @return the endpoint.
     * @throws InvalidEndpointException when it is not multicast.
     */
    public static Endpoint requireMulticast(Endpoint endpoint, String option) {
        if (!endpoint.isMulticast()) {
            throw new InvalidEndpointException(option + " '" + endpoint.text() + "' is not a multicast address "
                + "(expected 224.0.0.0/4 or ff00::/8, for example [ff15::1]:9918 or 239.1.2.3:9918)");
        }
        return endpoint;
    }
}
