package io.mproxy.server;

import io.mproxy.common.cli.UsageException;
import io.mproxy.common.net.Endpoint;
import io.mproxy.common.net.MulticastSettings;
import io.mproxy.common.ring.DatagramRing;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Everything a {@link Server} needs, with defaults as named constants and a fail-fast {@link #validate()}. */
public final class ServerContext {
    /**
     * Default SO_RCVBUF request: 32 MiB (the kernel caps it at net.core.rmem_max unless we may force it; we warn when
     * it does). At the client's 800 MB/s loopback pace it absorbs a stall of the receiving thread of 60 ms, where
     * 8 MiB lost 150 datagrams to one of 30 ms (mproxy-server/README.md); it costs memory only while it holds data.
     */
    public static final int DEFAULT_RECEIVE_BUFFER = 32 << 20;
    /**
     * Default ring between each socket and its writer: 1 GiB, paged ({@link DatagramRing#paged}), so it costs nothing
     * while idle and is given back after a burst. Under load the bench machine's disk took 1 GiB at 300-600 MB/s, so
     * 800 MB/s of traffic left a backlog of several hundred MiB: a 64 MiB ring lost 11.5 % and a 256 MiB one 28.5 %
     * of a 1 GiB file.
     */
    public static final int DEFAULT_RING = 1 << 30;
    /**
     * Page the rings by default ({@link DatagramRing#paged}): an idle server holds none of its rings until traffic
     * comes; pages are faulted in ahead of the receiving thread by another thread and given back after a burst.
     */
    public static final boolean DEFAULT_PREFAULT = false;

    private final List<Endpoint> listeners = new ArrayList<>();
    private String path = "-";
    private boolean tee;
    private boolean merge;
    private int receiveBuffer = DEFAULT_RECEIVE_BUFFER;
    private int ring = DEFAULT_RING;
    private boolean prefault = DEFAULT_PREFAULT;
    private MulticastSettings multicast = MulticastSettings.DEFAULTS;

    /** @param listener a unicast address or multicast group to listen on. @return this for a fluent API. */
    public ServerContext listener(Endpoint listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    /** @param path the output file, or {@code -} for stdout. @return this for a fluent API. */
    public ServerContext path(String path) {
        this.path = Objects.requireNonNull(path, "path");
        return this;
    }

    /** @param tee also copy everything to stdout. @return this for a fluent API. */
    public ServerContext tee(boolean tee) {
        this.tee = tee;
        return this;
    }

    /** @param merge write every listener into the one file. @return this for a fluent API. */
    public ServerContext merge(boolean merge) {
        this.merge = merge;
        return this;
    }

    /** @param receiveBuffer SO_RCVBUF to request. @return this for a fluent API. */
    public ServerContext receiveBuffer(int receiveBuffer) {
        this.receiveBuffer = receiveBuffer;
        return this;
    }

    /** @param ring bytes of the ring per listener. @return this for a fluent API. */
    public ServerContext ring(int ring) {
        this.ring = ring;
        return this;
    }

    /**
     * @param prefault fault in every ring's whole memory at start and keep it, instead of paging it in ahead of the
     *                 receiving thread and out when idle ({@link DatagramRing#paged}).
     * @return this for a fluent API.
     */
    public ServerContext prefault(boolean prefault) {
        this.prefault = prefault;
        return this;
    }

    /** @param multicast multicast settings. @return this for a fluent API. */
    public ServerContext multicast(MulticastSettings multicast) {
        this.multicast = Objects.requireNonNull(multicast, "multicast");
        return this;
    }

    /** @return this, checked. @throws UsageException naming the option to change. */
    public ServerContext validate() {
        if (listeners.isEmpty()) {
            throw new UsageException("--listen-addr is required (at least one)");
        }
        if (path.isEmpty()) {
            throw new UsageException("--path must not be empty: a file, or - for stdout");
        }
        if (ring < (1 << 18)) {
            throw new UsageException("--buffer " + ring + " is too small: expected at least 256Ki");
        }
        if (receiveBuffer < 0) {
            throw new UsageException("--rcvbuf must not be negative");
        }
        return this;
    }

    /** @return the listeners. */
    public List<Endpoint> listeners() {
        return List.copyOf(listeners);
    }

    /** @return the output path or {@code -}. */
    public String path() {
        return path;
    }

    /** @return whether everything is copied to stdout too. */
    public boolean tee() {
        return tee;
    }

    /** @return whether all listeners write one file. */
    public boolean merge() {
        return merge || listeners.size() == 1 || "-".equals(path);
    }

    /** @return SO_RCVBUF to request. */
    public int receiveBuffer() {
        return receiveBuffer;
    }

    /** @return bytes of the ring per listener. */
    public int ring() {
        return ring;
    }

    /** @return whether rings are faulted in at start. */
    public boolean prefault() {
        return prefault;
    }

    /** @return multicast settings. */
    public MulticastSettings multicast() {
        return multicast;
    }

    /**
     * The file of one listener when listeners are not merged: {@code <path>.<host>_<port>}, where host is what the
     * user wrote with brackets removed and {@code :} or {@code %} replaced by {@code _}.
     *
     * @param listener the listener, with its bound port.
     * @return the file path.
     */
    public String pathFor(Endpoint listener) {
        String text = listener.text();
        String host = text.startsWith("[") ? text.substring(1, text.indexOf(']'))
            : text.substring(0, text.lastIndexOf(':'));
        return path + "." + host.replace(':', '_').replace('%', '_') + "_" + listener.port();
    }
}
