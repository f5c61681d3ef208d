package io.mproxy.proxy;

import io.mproxy.common.cli.MaxDatagram;
import io.mproxy.common.cli.UsageException;
import io.mproxy.common.framing.Framing;
import io.mproxy.common.net.Endpoint;
import io.mproxy.common.net.MulticastSettings;
import io.mproxy.common.tcp.Backoff;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Everything a {@link Proxy} needs, with defaults as named constants and a fail-fast {@link #validate()}. */
public final class ProxyContext {
    /** The default {@code --max-datagram}; {@link MaxDatagram#DEFAULT} says why. */
    public static final int DEFAULT_MAX_DATAGRAM = MaxDatagram.DEFAULT;
    /** The largest {@code --max-datagram}: the largest UDP payload over IPv4. */
    public static final int MAX_DATAGRAM_LIMIT = MaxDatagram.LIMIT;
    /** Default SO_RCVBUF request for UDP listeners (the kernel caps it at net.core.rmem_max; we warn when it does). */
    public static final int DEFAULT_RECEIVE_BUFFER = 32 << 20;
    /** Default SO_SNDBUF request for downstream sockets. */
    public static final int DEFAULT_SEND_BUFFER = 4 << 20;
    /** Default cap of the reconnect delay. */
    public static final Duration DEFAULT_RECONNECT_MAX = Backoff.DEFAULT_CAP;

    private final List<Endpoint> udpListeners = new ArrayList<>();
    private final List<Endpoint> downstreams = new ArrayList<>();
    private final List<Upstream> upstreams = new ArrayList<>();
    private boolean tee;
    private Framing framing = Framing.LINE;
    /** Null until set: {@link #maxDatagram()} then chooses from the downstreams. */
    private Integer maxDatagram;
    private int receiveBuffer = DEFAULT_RECEIVE_BUFFER;
    private int sendBuffer = DEFAULT_SEND_BUFFER;
    private Duration reconnectMax = DEFAULT_RECONNECT_MAX;
    private boolean tlsAll;
    private Path trustStore;
    private char[] trustStorePassword;
    private boolean tlsInsecure;
    private MulticastSettings multicast = MulticastSettings.DEFAULTS;

    /** @param listener a unicast address or multicast group to receive on. @return this for a fluent API. */
    public ProxyContext udpListener(Endpoint listener) {
        udpListeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    /** @param downstream a unicast or multicast address to send to. @return this for a fluent API. */
    public ProxyContext downstream(Endpoint downstream) {
        downstreams.add(Objects.requireNonNull(downstream, "downstream"));
        return this;
    }

    /** @param upstream a TCP server to connect to and read. @return this for a fluent API. */
    public ProxyContext upstream(Upstream upstream) {
        upstreams.add(Objects.requireNonNull(upstream, "upstream"));
        return this;
    }

    /** @param tee copy every datagram forwarded to stdout. @return this for a fluent API. */
    public ProxyContext tee(boolean tee) {
        this.tee = tee;
        return this;
    }

    /** @param framing how TCP streams are cut into datagrams. @return this for a fluent API. */
    public ProxyContext framing(Framing framing) {
        this.framing = Objects.requireNonNull(framing, "framing");
        return this;
    }

    /**
     * @param maxDatagram the largest datagram cut from a TCP stream, 1 to 65507; when never set,
     *                    {@link MaxDatagram#LIMIT} if every downstream stays on loopback, else
     *                    {@link #DEFAULT_MAX_DATAGRAM} ({@link MaxDatagram#defaultFor}).
     * @return this for a fluent API.
     */
    public ProxyContext maxDatagram(int maxDatagram) {
        this.maxDatagram = maxDatagram;
        return this;
    }

    /** @param receiveBuffer SO_RCVBUF for UDP listeners, 0 for the default. @return this for a fluent API. */
    public ProxyContext receiveBuffer(int receiveBuffer) {
        this.receiveBuffer = receiveBuffer;
        return this;
    }

    /** @param sendBuffer SO_SNDBUF for downstreams, 0 for the default. @return this for a fluent API. */
    public ProxyContext sendBuffer(int sendBuffer) {
        this.sendBuffer = sendBuffer;
        return this;
    }

    /** @param reconnectMax the longest wait between two connect attempts. @return this for a fluent API. */
    public ProxyContext reconnectMax(Duration reconnectMax) {
        this.reconnectMax = Objects.requireNonNull(reconnectMax, "reconnectMax");
        return this;
    }

    /** @param tlsAll use TLS on every upstream. @return this for a fluent API. */
    public ProxyContext tlsAll(boolean tlsAll) {
        this.tlsAll = tlsAll;
        return this;
    }

    /** @param trustStore a PEM or PKCS12 file of trusted CAs, or null for the JDK's. @return this for a fluent API. */
    public ProxyContext trustStore(Path trustStore) {
        this.trustStore = trustStore;
        return this;
    }

    /** @param password the trust store's password, or null. @return this for a fluent API. */
    public ProxyContext trustStorePassword(char[] password) {
        this.trustStorePassword = password;
        return this;
    }

    /** @param tlsInsecure check neither certificates nor host names. @return this for a fluent API. */
    public ProxyContext tlsInsecure(boolean tlsInsecure) {
        this.tlsInsecure = tlsInsecure;
        return this;
    }

    /** @param multicast multicast settings. @return this for a fluent API. */
    public ProxyContext multicast(MulticastSettings multicast) {
        this.multicast = Objects.requireNonNull(multicast, "multicast");
        return this;
    }

    /** @return this, checked. @throws UsageException naming the option to change. */
    public ProxyContext validate() {
        if (udpListeners.isEmpty() && upstreams.isEmpty()) {
            throw new UsageException("nothing to forward: give --udp-listen-addr or --tcp-connect-addr (at least one)");
        }
        if (downstreams.isEmpty() && !tee) {
            throw new UsageException("--udp-downstream-addr is required (at least one) unless --tee is given");
        }
        for (Endpoint downstream : downstreams) {
            for (Endpoint listener : udpListeners) {
                if (downstream.address().equals(listener.address())) {
                    throw new UsageException("--udp-downstream-addr " + downstream.text() + " is also a "
                        + "--udp-listen-addr: the proxy would forward its own output forever");
                }
            }
        }
        MaxDatagram.check(maxDatagram());
        if (receiveBuffer < 0 || sendBuffer < 0) {
            throw new UsageException("--rcvbuf and --sndbuf must not be negative");
        }
        if (reconnectMax.compareTo(Backoff.DEFAULT_FIRST) < 0) {
            throw new UsageException("--reconnect-max " + reconnectMax.toMillis() + "ms is too short: expected at "
                + "least " + Backoff.DEFAULT_FIRST.toMillis() + "ms");
        }
        boolean anyTls = upstreams().stream().anyMatch(Upstream::tls);
        if (!anyTls && (trustStore != null || trustStorePassword != null || tlsInsecure)) {
            throw new UsageException("--tls-trust-store, --tls-trust-store-password and --tls-insecure need a TLS "
                + "upstream: add --tls or write the address as tls://HOST:PORT");
        }
        if (tlsInsecure && trustStore != null) {
            throw new UsageException("--tls-insecure checks no certificate, so --tls-trust-store would be ignored: "
                + "give one or the other");
        }
        if (trustStorePassword != null && trustStore == null) {
            throw new UsageException("--tls-trust-store-password needs --tls-trust-store");
        }
        return this;
    }

    /** @return the UDP listeners. */
    public List<Endpoint> udpListeners() {
        return List.copyOf(udpListeners);
    }

    /** @return the downstreams. */
    public List<Endpoint> downstreams() {
        return List.copyOf(downstreams);
    }

    /** @return the TCP upstreams, with TLS on for all of them when {@code --tls} was given. */
    public List<Upstream> upstreams() {
        return upstreams.stream().map(u -> tlsAll ? u.withTls() : u).toList();
    }

    /** @return whether datagrams are copied to stdout. */
    public boolean tee() {
        return tee;
    }

    /** @return the framing of TCP streams. */
    public Framing framing() {
        return framing;
    }

    /** @return the largest datagram cut from a TCP stream: as set, else chosen from the downstreams. */
    public int maxDatagram() {
        return maxDatagram != null ? maxDatagram : MaxDatagram.defaultFor(downstreams, multicast.networkInterface());
    }

    /** @return SO_RCVBUF for UDP listeners. */
    public int receiveBuffer() {
        return receiveBuffer;
    }

    /** @return SO_SNDBUF for downstreams. */
    public int sendBuffer() {
        return sendBuffer;
    }

    /** @return the longest wait between two connect attempts. */
    public Duration reconnectMax() {
        return reconnectMax;
    }

    /** @return the PEM or PKCS12 trust store, or null for the JDK's CAs. */
    public Path trustStore() {
        return trustStore;
    }

    /** @return the trust store's password, or null. */
    public char[] trustStorePassword() {
        return trustStorePassword;
    }

    /** @return whether certificates and host names go unchecked. */
    public boolean tlsInsecure() {
        return tlsInsecure;
    }

    /** @return multicast settings. */
    public MulticastSettings multicast() {
        return multicast;
    }
}
