package io.mproxy.proxy;

import io.mproxy.common.net.Endpoint;
import io.mproxy.common.net.EndpointParser;
import io.mproxy.common.net.InvalidEndpointException;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A TCP server to connect to: {@code HOST:PORT}, {@code [IPv6]:PORT}, optionally prefixed with {@code tls://} (or
 * {@code tcp://}). The host is kept as written: it is resolved again on every connect (a restarted server may have
 * moved) and, with TLS, it is the name sent as SNI and checked against the certificate.
 *
 * @param text     what the user wrote, for messages.
 * @param host     the host as written, without brackets.
 * @param port     the port.
 * @param tls      true for a {@code tls://} address.
 */
public record Upstream(String text, String host, int port, boolean tls) {
    private static final String TLS_PREFIX = "tls://";
    private static final String TCP_PREFIX = "tcp://";

    /** @param text what the user wrote. @param host the host. @param port the port. @param tls TLS or not. */
    public Upstream {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(host, "host");
    }

    /**
     * Parses and checks {@code text}; the host must resolve now, so a typo fails at start rather than in the log.
     *
     * @param text e.g. {@code feed.example:4001}, {@code tls://[::1]:4001}.
     * @return the upstream.
     * @throws InvalidEndpointException naming the value and what is expected.
     */
    public static Upstream parse(String text) {
        boolean tls = text.regionMatches(true, 0, TLS_PREFIX, 0, TLS_PREFIX.length());
        boolean tcp = text.regionMatches(true, 0, TCP_PREFIX, 0, TCP_PREFIX.length());
        String address = tls || tcp ? text.substring(TLS_PREFIX.length()) : text;
        if (address.contains("://")) {
            throw new InvalidEndpointException("'" + text + "' has an unknown scheme: expected HOST:PORT, "
                + "tls://HOST:PORT or tcp://HOST:PORT");
        }
        Endpoint endpoint = EndpointParser.parse(address, false);
        String host = address.startsWith("[") ? address.substring(1, address.indexOf(']'))
            : address.substring(0, address.lastIndexOf(':'));
        return new Upstream(text, host, endpoint.port(), tls);
    }

    /** @return this upstream with TLS on (for {@code --tls}). */
    public Upstream withTls() {
        return new Upstream(text, host, port, true);
    }

    /** @return the address, resolved now (unresolved when the name no longer resolves). */
    public InetSocketAddress resolve() {
        return new InetSocketAddress(host, port);
    }

    /** @return true when the host is an IP address literal (no SNI is sent for those). */
    public boolean isIpLiteral() {
        return host.indexOf(':') >= 0 || host.chars().allMatch(c -> Character.isDigit(c) || c == '.');
    }

    @Override
    public String toString() {
        return text;
    }
}
