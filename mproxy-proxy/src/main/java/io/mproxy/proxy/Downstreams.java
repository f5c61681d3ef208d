package io.mproxy.proxy;

import io.mproxy.common.framing.DatagramSink;
import io.mproxy.common.io.StdoutTee;
import io.mproxy.common.net.DatagramBatch;
import io.mproxy.common.net.UdpChannels;
import io.mproxy.common.net.UdpFanOut;
import io.mproxy.common.stats.Counters;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Where every input's datagrams go: one connected socket per downstream, shared by all input threads, and stdout with
 * {@code --tee}. Sharing is safe because a {@link java.nio.channels.DatagramChannel} serialises concurrent writes
 * (each write is one whole datagram, under the channel's own lock), the counters are atomic and the error logs
 * synchronised; the {@link StdoutTee} takes a lock so datagrams of different inputs never interleave on stdout. One
 * socket per downstream also means a downstream sees one source address, and has one counter, whatever the number
 * of inputs.
 */
final class Downstreams implements DatagramSink, AutoCloseable {
    private final UdpFanOut fanOut;
    private final StdoutTee tee;

    /**
     * @param context        the downstreams, send buffer, multicast settings and tee.
     * @param onStdoutClosed runs when stdout is a closed pipe.
     * @throws IOException naming the downstream that cannot be opened.
     */
    Downstreams(ProxyContext context, Runnable onStdoutClosed) throws IOException {
        this.fanOut = context.downstreams().isEmpty() ? null
            : new UdpFanOut(context.downstreams(), context.multicast(), context.sendBuffer(), "downstream");
        this.tee = context.tee() ? new StdoutTee(onStdoutClosed) : null;
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
            tee.copy(datagram);
        }
    }

    /**
     * Sends a batch on: one {@code sendmmsg} per downstream, then each datagram to stdout with {@code --tee}.
     *
     * @param batch the datagrams received.
     */
    void send(DatagramBatch batch) {
        if (fanOut != null) {
            fanOut.send(batch);
        }
        if (tee != null) {
            for (int i = 0; i < batch.count(); i++) {
                tee.copy(batch.datagram(i));
            }
        }
    }

    @Override
    public void close() {
        UdpChannels.closeQuietly(fanOut);
    }
}
