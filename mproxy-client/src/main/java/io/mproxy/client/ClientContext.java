package io.mproxy.client;

import io.mproxy.common.cli.MaxDatagram;
import io.mproxy.common.cli.UsageException;
import io.mproxy.common.framing.Framing;
import io.mproxy.common.net.Endpoint;
import io.mproxy.common.net.MulticastSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Everything a {@link Client} needs, with defaults as named constants and a {@link #validate()} that fails fast
 * naming the option to change.
 */
public final class ClientContext {
    /** The default {@code --max-datagram}; {@link MaxDatagram#DEFAULT} says why. */
    public static final int DEFAULT_MAX_DATAGRAM = MaxDatagram.DEFAULT;
    /**
     * The default {@code --max-datagram} when every server is on loopback, or a group pinned to a loopback interface:
     * the largest UDP payload. Loopback has a 64 KiB MTU, so nothing is fragmented, and each syscall carries 8 times
     * as much: measured on the 2-core bench machine (1 GiB at 800 MB/s), client CPU 1.0 s against 1.4 s and server
     * 1.25 s against 1.55 s.
     */
    public static final int LOOPBACK_MAX_DATAGRAM = MaxDatagram.LIMIT;
    /** The largest {@code --max-datagram}: the largest UDP payload over IPv4. */
    public static final int MAX_DATAGRAM_LIMIT = MaxDatagram.LIMIT;
    /**
     * Default pace in bytes per second. Senders never block on UDP, so an unpaced file send outruns any receiver
     * that stalls for a few milliseconds; at this rate a default mproxy-server on the 2-core bench machine took a
     * 1 GiB file byte-exact in 3 of 3 runs (bench/run.sh job 2; 400 MB/s lost data in 1 of 3). Kept for servers off
     * this host, where only 8 KiB datagrams were measured.
     */
    public static final long DEFAULT_RATE = 300_000_000L;
    /**
     * Default pace when every server is on loopback (with {@link #LOOPBACK_MAX_DATAGRAM}): 800 MB/s, so that a 1 GiB
     * file takes ~1.3 s (job 1 of the bench reports at least 600 MB/s with the JVM's start). A default mproxy-server
     * holds what its disk does not take at this rate in its paged 1 GiB ring; see mproxy-client/README.md.
     */
    public static final long LOOPBACK_RATE = 800_000_000L;
    /** Default SO_SNDBUF request. */
    public static final int DEFAULT_SEND_BUFFER = 4 << 20;

    private String path;
    private final List<Endpoint> destinations = new ArrayList<>();
    private boolean tee;
    private Framing framing = Framing.LINE;
    private int maxDatagram;
    /** Until set, {@link #maxDatagram()} chooses from the destinations. */
    private boolean maxDatagramSet;
    private long rate;
    /** Until set, {@link #rate()} chooses from the destinations. */
    private boolean rateSet;
    private int sendBuffer = DEFAULT_SEND_BUFFER;
    private MulticastSettings multicast = MulticastSettings.DEFAULTS;
    private boolean progress;

    /** @param path a file, a device, {@code /dev/fd/N} or {@code -} for stdin. @return this for a fluent API. */
    public ClientContext path(String path) {
        this.path = path;
        return this;
    }

    /** @param destination a server to send to. @return this for a fluent API. */
    public ClientContext destination(Endpoint destination) {
        destinations.add(Objects.requireNonNull(destination, "destination"));
        return this;
    }

    /** @param tee copy the input to stdout. @return this for a fluent API. */
    public ClientContext tee(boolean tee) {
        this.tee = tee;
        return this;
    }

    /** @param framing how the stream is cut into datagrams. @return this for a fluent API. */
    public ClientContext framing(Framing framing) {
        this.framing = Objects.requireNonNull(framing, "framing");
        return this;
    }

    /**
     * @param maxDatagram the largest datagram, 1 to 65507; when never set, {@link #LOOPBACK_MAX_DATAGRAM} if every
     *                    destination is a loopback address or a group sent through a loopback interface, else
     *                    {@link #DEFAULT_MAX_DATAGRAM}.
     * @return this for a fluent API.
     */
    public ClientContext maxDatagram(int maxDatagram) {
        this.maxDatagram = maxDatagram;
        this.maxDatagramSet = true;
        return this;
    }

    /**
     * @param rate bytes per second, 0 for unpaced; when never set, {@link #LOOPBACK_RATE} if every destination is a
     *             loopback address, else {@link #DEFAULT_RATE} (a group too, even on a loopback interface: any number
     *             of receivers of unknown speed may have joined it).
     * @return this for a fluent API.
     */
    public ClientContext rate(long rate) {
        this.rate = rate;
        this.rateSet = true;
        return this;
    }

    /** @param sendBuffer SO_SNDBUF to request, 0 for the system default. @return this for a fluent API. */
    public ClientContext sendBuffer(int sendBuffer) {
        this.sendBuffer = sendBuffer;
        return this;
    }

    /** @param multicast multicast settings. @return this for a fluent API. */
    public ClientContext multicast(MulticastSettings multicast) {
        this.multicast = Objects.requireNonNull(multicast, "multicast");
        return this;
    }

    /** @param progress show a progress bar on stderr. @return this for a fluent API. */
    public ClientContext progress(boolean progress) {
        this.progress = progress;
        return this;
    }

    /**
     * @return this, checked.
     * @throws UsageException naming the option to change.
     */
    public ClientContext validate() {
        if (path == null || path.isEmpty()) {
            throw new UsageException("--path is required: a file, a device, or - for stdin");
        }
        if (destinations.isEmpty() && !tee) {
            throw new UsageException("--server-addr is required (at least one) unless --tee is given");
        }
        MaxDatagram.check(maxDatagram());
        if (rate() < 0) {
            throw new UsageException("--rate must not be negative");
        }
        if (sendBuffer < 0) {
            throw new UsageException("--sndbuf must not be negative");
        }
        return this;
    }

    /** @return the input path. */
    public String path() {
        return path;
    }

    /** @return the destinations. */
    public List<Endpoint> destinations() {
        return List.copyOf(destinations);
    }

    /** @return whether the input is copied to stdout. */
    public boolean tee() {
        return tee;
    }

    /** @return the framing. */
    public Framing framing() {
        return framing;
    }

    /** @return the largest datagram: as set, else chosen from the destinations. */
    public int maxDatagram() {
        if (maxDatagramSet) {
            return maxDatagram;
        }
        return MaxDatagram.defaultFor(destinations, multicast.networkInterface());
    }

    /** @return true when there are destinations and every one is a loopback address (a local server). */
    private boolean allLoopback() {
        return !destinations.isEmpty()
            && destinations.stream().allMatch(d -> d.address().getAddress().isLoopbackAddress());
    }

    /** @return bytes per second, 0 for unpaced: as set, else chosen from the destinations. */
    public long rate() {
        if (rateSet) {
            return rate;
        }
        return allLoopback() ? LOOPBACK_RATE : DEFAULT_RATE;
    }

    /** @return SO_SNDBUF to request. */
    public int sendBuffer() {
        return sendBuffer;
    }

    /** @return multicast settings. */
    public MulticastSettings multicast() {
        return multicast;
    }

    /** @return whether a progress bar is shown. */
    public boolean progress() {
        return progress;
    }
}
