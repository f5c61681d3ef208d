package io.mproxy.reverseproxy;

import io.mproxy.common.cli.MaxDatagram;
import io.mproxy.common.cli.UsageException;
import io.mproxy.common.framing.Framing;
import io.mproxy.common.net.Endpoint;
import io.mproxy.common.net.EndpointParser;
import io.mproxy.common.net.MulticastSettings;
import io.mproxy.reverseproxy.output.ClientLimits;
import io.mproxy.reverseproxy.output.SlowClientPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Everything a {@link ReverseProxy} needs, with defaults as named constants and a fail-fast {@link #validate()}. */
public final class ReverseProxyContext {
    /** The group, as the Rust mproxy-reverseproxy: all IPv6 nodes on the link, port 9918. */
    public static final String DEFAULT_GROUP = "[ff02::1]:9918";
    /**
     * How TCP input streams are cut: whole lines, so datagrams from several TCP senders never split a line on the
     * group and line-oriented consumers get whole lines (the Rust tool sent raw reads: {@code --input-framing raw}).
     */
    public static final Framing DEFAULT_INPUT_FRAMING = Framing.LINE;
    /** How the group's datagrams are written to stream outputs: as they are, like the Rust tool. */
    public static final Framing DEFAULT_OUTPUT_FRAMING = Framing.RAW;
    /** The default {@code --max-datagram}; {@link MaxDatagram#DEFAULT} says why. */
    public static final int DEFAULT_MAX_DATAGRAM = MaxDatagram.DEFAULT;
    /** The largest {@code --max-datagram}: the largest UDP payload over IPv4. */
    public static final int MAX_DATAGRAM_LIMIT = MaxDatagram.LIMIT;
    /**
     * How far (bytes of the shared ring) an output may fall behind the group: 64 MiB is ~200 ms at 300 MB/s, and
     * minutes of a typical feed. With 32 MiB, readers on the loaded 2-core bench machine fell that far behind in
     * 4 of 30 trials at 350-400 MB/s (job 5, 2026-11-21); with 64 MiB in none of 12. One shared ring of twice this
     * is allocated once, whatever the number of clients, and is resident only where traffic has reached it.
     */
    public static final int DEFAULT_CLIENT_BUFFER = 64 << 20;
    /** The smallest --client-buffer: four of the largest datagrams. */
    public static final int MIN_CLIENT_BUFFER = 256 << 10;
    /** The largest --client-buffer (the ring is twice this, in one direct buffer). */
    public static final int MAX_CLIENT_BUFFER = 512 << 20;
    /**
     * A slow output skips to the newest data by default: the feed stays live for it, datagrams stay whole, and
     * every drop is counted and logged. {@code disconnect} suits consumers that want all or nothing.
     */
    public static final SlowClientPolicy DEFAULT_SLOW_CLIENT = SlowClientPolicy.DROP;
    /**
     * SO_RCVBUF requested for the group and UDP inputs (capped by net.core.rmem_max unless we may force it; we warn
     * when it is): 32 MiB, costing memory only while it holds data. In job 4's lossless search at 1400 B (four
     * alternating rounds) 8 MiB gave 156-600 k pkt/s, 32 MiB 575-675 k (mproxy-reverseproxy/README.md).
     */
    public static final int DEFAULT_RECEIVE_BUFFER = 32 << 20;
    /** SO_SNDBUF requested for sending to the group. */
    public static final int DEFAULT_SEND_BUFFER = 4 << 20;
    /** The longest wait between reconnect attempts of a downstream. */
    public static final Duration DEFAULT_RECONNECT_MAX = Duration.ofSeconds(30);
    /** How long outputs may take at shutdown to write what they still hold. */
    public static final long DRAIN_MILLIS = 1_000;

    private Endpoint group = EndpointParser.parse(DEFAULT_GROUP, false);
    private final List<Endpoint> udpInputs = new ArrayList<>();
    private final List<Endpoint> tcpInputs = new ArrayList<>();
    private final List<Endpoint> tcpOutputs = new ArrayList<>();
    private final List<Endpoint> udpOutputs = new ArrayList<>();
    private final List<Endpoint> tcpDownstreams = new ArrayList<>();
    private Framing inputFraming = DEFAULT_INPUT_FRAMING;
    private Framing outputFraming = DEFAULT_OUTPUT_FRAMING;
    /** Null until set: {@link #maxDatagram()} then chooses from the group's interface. */
    private Integer maxDatagram;
    private long clientBuffer = DEFAULT_CLIENT_BUFFER;
    private SlowClientPolicy slowClient = DEFAULT_SLOW_CLIENT;
    private long clientSendBuffer;
    private long receiveBuffer = DEFAULT_RECEIVE_BUFFER;
    private long sendBuffer = DEFAULT_SEND_BUFFER;
    private Duration reconnectMax = DEFAULT_RECONNECT_MAX;
    private boolean tee;
    private MulticastSettings multicast = MulticastSettings.DEFAULTS;

    /** @param group the multicast group everything meets on. @return this for a fluent API. */
    public ReverseProxyContext group(Endpoint group) {
        this.group = Objects.requireNonNull(group, "group");
        return this;
    }

    /** @param listen a UDP address (or group) whose datagrams go onto the group. @return this for a fluent API. */
    public ReverseProxyContext udpInput(Endpoint listen) {
        udpInputs.add(Objects.requireNonNull(listen, "listen"));
        return this;
    }

    /** @param listen a TCP address whose clients' streams go onto the group. @return this for a fluent API. */
    public ReverseProxyContext tcpInput(Endpoint listen) {
        tcpInputs.add(Objects.requireNonNull(listen, "listen"));
        return this;
    }

    /** @param listen a TCP address whose clients get the group's stream. @return this for a fluent API. */
    public ReverseProxyContext tcpOutput(Endpoint listen) {
        tcpOutputs.add(Objects.requireNonNull(listen, "listen"));
        return this;
    }

    /** @param destination a UDP address (or another group) to send the group's datagrams to. @return this. */
    public ReverseProxyContext udpOutput(Endpoint destination) {
        udpOutputs.add(Objects.requireNonNull(destination, "destination"));
        return this;
    }

    /** @param destination a TCP server to keep a connection to. @return this for a fluent API. */
    public ReverseProxyContext tcpDownstream(Endpoint destination) {
        tcpDownstreams.add(Objects.requireNonNull(destination, "destination"));
        return this;
    }

    /** @param framing how TCP input streams are cut into datagrams. @return this for a fluent API. */
    public ReverseProxyContext inputFraming(Framing framing) {
        this.inputFraming = Objects.requireNonNull(framing, "framing");
        return this;
    }

    /** @param framing how datagrams are written to outputs. @return this for a fluent API. */
    public ReverseProxyContext outputFraming(Framing framing) {
        this.outputFraming = Objects.requireNonNull(framing, "framing");
        return this;
    }

    /**
     * @param maxDatagram the largest datagram cut from a TCP input, 1 to 65507; when never set,
     *                    {@link MaxDatagram#LIMIT} if the group is sent through a loopback interface, else
     *                    {@link #DEFAULT_MAX_DATAGRAM} ({@link MaxDatagram#defaultFor}).
     * @return this for a fluent API.
     */
    public ReverseProxyContext maxDatagram(int maxDatagram) {
        this.maxDatagram = maxDatagram;
        return this;
    }

    /** @param clientBuffer how far an output may fall behind, in bytes. @return this for a fluent API. */
    public ReverseProxyContext clientBuffer(long clientBuffer) {
        this.clientBuffer = clientBuffer;
        return this;
    }

    /** @param slowClient what happens to an output that falls further behind. @return this for a fluent API. */
    public ReverseProxyContext slowClient(SlowClientPolicy slowClient) {
        this.slowClient = Objects.requireNonNull(slowClient, "slowClient");
        return this;
    }

    /** @param clientSendBuffer SO_SNDBUF of TCP outputs, 0 for autotuning. @return this for a fluent API. */
    public ReverseProxyContext clientSendBuffer(long clientSendBuffer) {
        this.clientSendBuffer = clientSendBuffer;
        return this;
    }

    /** @param receiveBuffer SO_RCVBUF of the group and UDP inputs. @return this for a fluent API. */
    public ReverseProxyContext receiveBuffer(long receiveBuffer) {
        this.receiveBuffer = receiveBuffer;
        return this;
    }

    /** @param sendBuffer SO_SNDBUF for sending to the group. @return this for a fluent API. */
    public ReverseProxyContext sendBuffer(long sendBuffer) {
        this.sendBuffer = sendBuffer;
        return this;
    }

    /** @param reconnectMax the longest wait between reconnect attempts. @return this for a fluent API. */
    public ReverseProxyContext reconnectMax(Duration reconnectMax) {
        this.reconnectMax = Objects.requireNonNull(reconnectMax, "reconnectMax");
        return this;
    }

    /** @param tee copy what enters the group to stdout. @return this for a fluent API. */
    public ReverseProxyContext tee(boolean tee) {
        this.tee = tee;
        return this;
    }

    /** @param multicast multicast settings. @return this for a fluent API. */
    public ReverseProxyContext multicast(MulticastSettings multicast) {
        this.multicast = Objects.requireNonNull(multicast, "multicast");
        return this;
    }

    /** @return this, checked. @throws UsageException (or an InvalidEndpointException) naming the option. */
    public ReverseProxyContext validate() {
        EndpointParser.requireMulticast(group, "--multicast-addr");
        if (!hasInputs() && !hasOutputs()) {
            throw new UsageException("nothing to do: give an input (--udp-listen-addr, --tcp-listen-addr) and/or an "
                + "output (--tcp-output-addr, --udp-output-addr, --tcp-downstream-addr)");
        }
        for (Endpoint input : udpInputs) {
            if (input.address().equals(group.address())) {
                throw new UsageException("--udp-listen-addr " + input.text() + " is the group itself "
                    + "(--multicast-addr): its datagrams would loop");
            }
        }
        for (Endpoint output : udpOutputs) {
            if (output.address().equals(group.address())) {
                throw new UsageException("--udp-output-addr " + output.text() + " is the group itself "
                    + "(--multicast-addr): its datagrams would loop");
            }
        }
        MaxDatagram.check(maxDatagram());
        if (clientBuffer < MIN_CLIENT_BUFFER || clientBuffer > MAX_CLIENT_BUFFER) {
            throw new UsageException("--client-buffer " + clientBuffer + " is out of range: expected 256Ki to 512Mi");
        }
        requireInt(clientSendBuffer, "--client-sndbuf");
        requireInt(receiveBuffer, "--rcvbuf");
        requireInt(sendBuffer, "--sndbuf");
        if (reconnectMax.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new UsageException("--reconnect-max " + reconnectMax.toSeconds() + " is too small: expected at "
                + "least 1 second");
        }
        return this;
    }

    private static void requireInt(long value, String option) {
        if (value < 0 || value > Integer.MAX_VALUE) {
            throw new UsageException(option + " " + value + " is out of range: expected 0 to 2Gi");
        }
    }

    /** @return true when something goes onto the group. */
    public boolean hasInputs() {
        return !udpInputs.isEmpty() || !tcpInputs.isEmpty();
    }

    /** @return true when something reads the group. */
    public boolean hasOutputs() {
        return !tcpOutputs.isEmpty() || !udpOutputs.isEmpty() || !tcpDownstreams.isEmpty();
    }

    /** @return the group. */
    public Endpoint group() {
        return group;
    }

    /** @return the UDP inputs. */
    public List<Endpoint> udpInputs() {
        return List.copyOf(udpInputs);
    }

    /** @return the TCP inputs. */
    public List<Endpoint> tcpInputs() {
        return List.copyOf(tcpInputs);
    }

    /** @return the TCP outputs (listeners). */
    public List<Endpoint> tcpOutputs() {
        return List.copyOf(tcpOutputs);
    }

    /** @return the UDP outputs. */
    public List<Endpoint> udpOutputs() {
        return List.copyOf(udpOutputs);
    }

    /** @return the TCP downstreams. */
    public List<Endpoint> tcpDownstreams() {
        return List.copyOf(tcpDownstreams);
    }

    /** @return the framing of TCP inputs. */
    public Framing inputFraming() {
        return inputFraming;
    }

    /** @return the framing of outputs. */
    public Framing outputFraming() {
        return outputFraming;
    }

    /** @return the largest datagram cut from a TCP input: as set, else chosen from the group's interface. */
    public int maxDatagram() {
        return maxDatagram != null ? maxDatagram : MaxDatagram.defaultFor(List.of(group), multicast.networkInterface());
    }

    /** @return the limits of every output. */
    public ClientLimits limits() {
        return new ClientLimits(clientBuffer, slowClient, (int) clientSendBuffer, DRAIN_MILLIS);
    }

    /** @return bytes of the shared ring: twice the client buffer, so a reader within it is never overwritten. */
    public int ringSize() {
        return (int) (2 * clientBuffer);
    }

    /** @return SO_RCVBUF of the group and UDP inputs. */
    public int receiveBuffer() {
        return (int) receiveBuffer;
    }

    /** @return SO_SNDBUF for sending to the group. */
    public int sendBuffer() {
        return (int) sendBuffer;
    }

    /** @return the longest wait between reconnect attempts. */
    public Duration reconnectMax() {
        return reconnectMax;
    }

    /** @return whether what enters the group is copied to stdout. */
    public boolean tee() {
        return tee;
    }

    /** @return multicast settings. */
    public MulticastSettings multicast() {
        return multicast;
    }
}
