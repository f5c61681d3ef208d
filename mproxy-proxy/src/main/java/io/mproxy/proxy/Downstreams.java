package io.mproxy.proxy;

import io.mproxy.common.Errors;
import io.mproxy.common.framing.DatagramSink;
import io.mproxy.common.io.AppendOutput;
import io.mproxy.common.net.UdpChannels;
import io.mproxy.common.net.UdpFanOut;
import io.mproxy.common.stats.Counters;
import io.mproxy.common.stats.RateLimitedLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where every input's datagrams go: one connected socket per downstream, shared by all input threads, and stdout with
 * {@code --tee}. Sharing is safe because a {@link java.nio.channels.DatagramChannel} serialises concurrent writes
 * (each write is one whole datagram, under the channel's own lock), the counters are atomic and the error logs
 * synchronised; the tee takes a lock so datagrams of different inputs never interleave on stdout. One socket per
 * downstream also means a downstream sees one source address, and has one counter, whatever the number of inputs.
 */
final class Downstreams implements DatagramSink, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Downstreams.class);

    private final UdpFanOut fanOut;
    private final FileChannel tee;
    private final Runnable onStdoutClosed;
    private final RateLimitedLog teeErrors = new RateLimitedLog(LOG, 1000);

    /**
     * @param context        the downstreams, send buffer, multicast settings and tee.
     * @param onStdoutClosed runs when stdout is a closed pipe.
     * @throws IOException naming the downstream that cannot be opened.
     */
    Downstreams(ProxyContext context, Runnable onStdoutClosed) throws IOException {
        this.fanOut = context.downstreams().isEmpty() ? null
            : new UdpFanOut(context.downstreams(), context.multicast(), context.sendBuffer(), "downstream");
        this.tee = context.tee() ? AppendOutput.stdout() : null;
        this.onStdoutClosed = onStdoutClosed;
    }

    /** @return each downstream's counters. */
    List<Counters> counters() {
        return fanOut == null ? List.of() : fanOut.counters();
    }

    @Override
    public void accept(ByteBuffer datagram) {
        int position = datagram.position();
        if (fanOut != null) {
            fanOut.accept(datagram);
        }
        if (tee != null) {
            datagram.position(position);
            copyToStdout(datagram);
        }
    }

    private void copyToStdout(ByteBuffer datagram) {
        synchronized (tee) {
            try {
                while (datagram.hasRemaining()) {
                    tee.write(datagram);
                }
            } catch (IOException e) {
                datagram.position(datagram.limit());
                if (String.valueOf(e.getMessage()).contains("Broken pipe")) {
                    onStdoutClosed.run();
                } else {
                    teeErrors.warn("cannot write stdout (--tee): {}", Errors.describe(e));
                }
            }
        }
    }

    @Override
    public void close() {
        UdpChannels.closeQuietly(fanOut);
    }
}
