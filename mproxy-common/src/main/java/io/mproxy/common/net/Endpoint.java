package io.mproxy.common.net;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.util.Objects;

/**
 * A resolved socket address together with the text the user wrote for it.
 *
 * @param text    what the user wrote, used in messages and file names.
 * @param address the resolved address (never unresolved).
 */
public record Endpoint(String text, InetSocketAddress address) {

    /**
     * @param text    what the user wrote.
     * @param address the resolved address.
     */
    public Endpoint {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(address, "address");
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("unresolved address: " + text);
        }
    }

    /**
     * Parses and resolves {@code text}; see {@link EndpointParser#parse(String, boolean)}.
     *
     * @param text the endpoint text, for example {@code 127.0.0.1:9000} or {@code [ff15::1]:9000}.
     * @return the endpoint.
     * @throws InvalidEndpointException when the text is not a valid endpoint or the host does not resolve.
     */
    public static Endpoint parse(String text) {
        return EndpointParser.parse(text, false);
    }

    /** @return true when the address is a multicast group. */
    public boolean isMulticast() {
        return address.getAddress().isMulticastAddress();
    }

    /** @return the protocol family of the address (INET or INET6). */
    public ProtocolFamily family() {
        return familyOf(address.getAddress());
    }

    /** @param address an IP address. @return INET for IPv4, INET6 for IPv6. */
    public static ProtocolFamily familyOf(java.net.InetAddress address) {
        return address instanceof Inet4Address ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6;
    }

    /** @return the port. */
    public int port() {
        return address.getPort();
    }

    /**
     * @param port the port, e.g. the one a listener on port 0 was given.
     * @return the same host with that port, in the text too (so logs and stats name the real port).
     */
    public Endpoint withPort(int port) {
        String host = text.substring(0, text.lastIndexOf(':') + 1);
        return new Endpoint(host + port, new InetSocketAddress(address.getAddress(), port));
    }

    /** @return the address in {@code host:port} or {@code [v6]:port} form, with the numeric host. */
    public String numeric() {
        return NetFormat.format(address);
    }

    @Override
    public String toString() {
        return text;
    }
}
