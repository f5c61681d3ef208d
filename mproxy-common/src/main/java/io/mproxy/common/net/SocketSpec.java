package io.mproxy.common.net;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * A socket named by the relay's spec syntax: {@code udp@host:port}, {@code tcp@host:port}, a bare {@code host:port}
 * (UDP), or a unix datagram socket path (anything with a {@code /}). IPv6 hosts go in brackets.
 *
 * @param kind     the transport.
 * @param text     what the user wrote (the identity of a destination across reloads).
 * @param endpoint the resolved address for UDP and TCP, null for unix.
 * @param path     the socket path for unix, null otherwise.
 */
public record SocketSpec(Kind kind, String text, Endpoint endpoint, Path path) {
    /** The transports a spec can name. */
    public enum Kind {
        /** UDP datagrams. */
        UDP,
        /** A TCP stream. */
        TCP,
        /** A unix datagram socket (AF_UNIX, SOCK_DGRAM). */
        UNIX;

        /** @return the lower-case name, as in the {@code kind@} prefix. */
        public String prefix() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** @throws NullPointerException when a required part is missing. */
    public SocketSpec {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(text, "text");
        if (kind == Kind.UNIX) {
            Objects.requireNonNull(path, "path");
        } else {
            Objects.requireNonNull(endpoint, "endpoint");
        }
    }

    /**
     * @param text          the spec.
     * @param allowPortZero true for listeners (port 0: any free port).
     * @return the parsed spec, its host resolved.
     * @throws InvalidEndpointException naming the value and what is expected.
     */
    public static SocketSpec parse(String text, boolean allowPortZero) {
        if (text == null || text.isBlank()) {
            throw new InvalidEndpointException("empty socket spec: expected udp@HOST:PORT, tcp@HOST:PORT, HOST:PORT or "
                + "a unix socket path");
        }
        int at = text.indexOf('@');
        String prefix = at < 0 ? "" : text.substring(0, at).toLowerCase(Locale.ROOT);
        String rest = at < 0 ? text : text.substring(at + 1);
        if (at >= 0 && !prefix.equals("udp") && !prefix.equals("tcp")) {
            throw new InvalidEndpointException("'" + text + "' has an unknown transport '" + text.substring(0, at)
                + "@': expected udp@HOST:PORT, tcp@HOST:PORT, HOST:PORT or a unix socket path");
        }
        if (at < 0 && text.indexOf('/') >= 0) {
            return new SocketSpec(Kind.UNIX, text, null, Path.of(text));
        }
        Endpoint endpoint;
        try {
            endpoint = EndpointParser.parse(rest, allowPortZero);
        } catch (InvalidEndpointException e) {
            throw new InvalidEndpointException(e.getMessage().replace("'" + rest + "'", "'" + text + "'"));
        }
        Kind kind = prefix.equals("tcp") ? Kind.TCP : Kind.UDP;
        return new SocketSpec(kind, text, new Endpoint(text, endpoint.address()), null);
    }

    /** @return true for TCP, whose worker writes a stream. */
    public boolean isStream() {
        return kind == Kind.TCP;
    }

    /** @return the same spec bound to another port (once an ephemeral port is known); unix specs unchanged. */
    public SocketSpec withPort(int port) {
        return kind == Kind.UNIX ? this : new SocketSpec(kind, text, endpoint.withPort(port), null);
    }

    /** @return the address in numeric form ({@code 127.0.0.1:9000}, {@code [::1]:9000}) or the socket path. */
    public String numeric() {
        return kind == Kind.UNIX ? path.toString() : endpoint.numeric();
    }

    @Override
    public String toString() {
        return text;
    }
}
