package io.mproxy.client;

import io.mproxy.common.framing.StreamFramer;
import io.mproxy.common.framing.StreamPump;
import io.mproxy.common.io.AppendOutput;
import io.mproxy.common.io.InputSource;
import io.mproxy.common.io.Pacer;
import io.mproxy.common.net.UdpChannels;
import io.mproxy.common.net.UdpFanOut;
import io.mproxy.common.stats.Counter;
import io.mproxy.common.stats.Counters;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a stream to its end and sends it, framed, to every destination; optionally copies it to stdout.
 *
 * <pre>{@code
 * ClientContext context = new ClientContext().path("access.log").destination(Endpoint.parse("127.0.0.1:9920"));
 * try (Client client = new Client(context.validate())) {
 *     client.run();
 * }
 * }</pre>
 */
public final class Client implements AutoCloseable {
    /** Bytes read per call from a regular file. */
    static final int READ_CHUNK = 1 << 20;
    /**
     * Bytes read per call from a pipe, FIFO, device or stdin. A pipe holds 64 KiB, so no read from one returns more;
     * the buffer is direct, zeroed (so resident) when made, and a client waiting on a FIFO held 1 MiB for nothing.
     */
    static final int STREAM_READ_CHUNK = 256 << 10;

    private final ClientContext context;
    private final Counters counters;
    private final InputSource input;
    private final UdpFanOut fanOut;
    private final StdoutTee tee;
    private final Pacer pacer;
    private final StreamPump pump;
    private final ProgressBar progress;
    private volatile boolean stopping;

    /**
     * Opens the input and a connected socket per destination.
     *
     * @param context validated settings.
     * @throws IOException naming the path or destination that cannot be opened.
     */
    public Client(ClientContext context) throws IOException {
        this.context = context;
        this.counters = new Counters("input " + context.path(),
            EnumSet.of(Counter.BYTES_IN, Counter.DATAGRAMS_OUT, Counter.SPLIT_LINES));
        this.input = InputSource.open(context.path());
        try {
            this.fanOut = context.destinations().isEmpty() ? null
                : new UdpFanOut(context.destinations(), context.multicast(), context.sendBuffer(), "server");
        } catch (IOException | RuntimeException e) {
            UdpChannels.closeQuietly(input);
            throw e;
        }
        this.tee = context.tee() ? new StdoutTee(AppendOutput.stdout(), this::stdoutClosed) : null;
        this.pacer = new Pacer(context.rate());
        this.pump = new StreamPump(StreamFramer.of(context.framing(), context.maxDatagram(), counters), counters,
            input.isRegularFile() ? READ_CHUNK : STREAM_READ_CHUNK);
        this.progress = context.progress() && input.isRegularFile() ? new ProgressBar(System.err, input.size()) : null;
    }

    /** @return the input's counters. */
    public Counters counters() {
        return counters;
    }

    /** @return each destination's counters. */
    public List<Counters> destinationCounters() {
        return fanOut == null ? List.of() : fanOut.counters();
    }

    /**
     * Reads to the end of the input (or until {@link #stop()}) and sends everything.
     *
     * @throws IOException when the input cannot be read or stdout written for {@code --tee}.
     */
    public void run() throws IOException {
        try {
            pump.pump(input.channel(), !input.isRegularFile(), this::send, tee,
                progress == null ? null : progress::update);
        } catch (java.nio.channels.ClosedChannelException e) {
            if (!stopping) {
                throw e;
            }
        }
        if (progress != null) {
            progress.finish(counters.get(Counter.BYTES_IN));
        }
    }

    private void send(ByteBuffer datagram) {
        int length = datagram.remaining();
        counters.increment(Counter.DATAGRAMS_OUT);
        if (fanOut == null) {
            datagram.position(datagram.limit());
            return;
        }
        pacer.acquire(length);
        fanOut.accept(datagram);
    }

    /** With servers, sending goes on without the copy; with --tee alone there is nothing left to do. */
    private void stdoutClosed() {
        if (fanOut == null) {
            log().debug("stdout closed: stopping");
            stop();
        } else {
            log().warn("stdout closed: no more copies of the input there (--tee); still sending to the servers");
        }
    }

    /** Stops reading (from any thread): what was read is still sent, then {@link #run()} returns. */
    public void stop() {
        stopping = true;
        pacer.release();
        UdpChannels.closeQuietly(input);
    }

    @Override
    public void close() {
        UdpChannels.closeQuietly(input);
        UdpChannels.closeQuietly(fanOut);
    }

    /** The logger, looked up at the first line: a client that logs nothing never starts the logging back end. */
    private static Logger log() {
        return LoggerFactory.getLogger(Client.class);
    }
}
