package io.mproxy.reverseproxy.input;

import io.mproxy.common.framing.DatagramSink;
import io.mproxy.common.io.StdoutTee;
import io.mproxy.common.net.DatagramBatch;
import io.mproxy.common.net.Endpoint;
import io.mproxy.common.net.NativeSocketOptions;
import io.mproxy.common.net.UdpChannels;
import io.mproxy.common.net.UdpFanOut;
import io.mproxy.common.stats.Counter;
import io.mproxy.common.stats.Counters;
import io.mproxy.common.stats.RateLimitedLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends datagrams from every input onto the group (a datagram is sent whole, so inputs on many threads never
 * interleave), and with {@code --tee} copies each one to stdout first ({@link StdoutTee}). Single datagrams (TCP
 * inputs) go through a {@link UdpFanOut}; batches received by a UDP input go with one {@code sendmmsg} from where
 * they were received ({@link DatagramBatch}), over a second connected channel to the group, and are counted on the
 * same "to group" counters.
 */
public final class GroupSender implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GroupSender.class);

    private final UdpFanOut group;
    private final Endpoint groupEndpoint;
    private final Counters groupCounters;
    private final DatagramChannel batchChannel;
    private final int batchFd;
    private final StdoutTee tee;
    private final RateLimitedLog errorLog = new RateLimitedLog(GroupSender.class, 1000);
    /** The largest datagram sent segmented: lowered when the kernel refuses a size. */
    private int segmentLimit = UdpChannels.MAX_UDP_PAYLOAD;

    /**
     * @param group          sends to the group (and counts, per destination); its first destination is the group.
     * @param batchChannel   a channel connected to the group for batches; this sender closes it.
     * @param groupEndpoint  the group, for messages.
     * @param tee            copy every datagram to stdout.
     * @param onStdoutClosed runs when stdout is a closed pipe.
     */
    public GroupSender(UdpFanOut group, DatagramChannel batchChannel, Endpoint groupEndpoint, boolean tee,
                       Runnable onStdoutClosed) {
        this.group = group;
        this.groupEndpoint = groupEndpoint;
        this.groupCounters = group.counters().getFirst();
        this.batchChannel = batchChannel;
        this.batchFd = NativeSocketOptions.descriptor(batchChannel);
        this.tee = tee ? new StdoutTee(onStdoutClosed) : null;
    }

    /**
     * @param input the input's counters: each datagram sent counts one {@link Counter#DATAGRAMS_OUT} there.
     * @return a sink for that input.
     */
    public DatagramSink sinkFor(Counters input) {
        return datagram -> send(datagram, input);
    }

    /** @return true when {@link #send(DatagramBatch, int, Counters, ByteBuffer)} can be used. */
    public boolean sendsBatches() {
        return batchFd >= 0;
    }

    /**
     * @param datagram the bytes between position and limit; the position moves to the limit.
     * @param input    the input's counters.
     */
    public void send(ByteBuffer datagram, Counters input) {
        input.increment(Counter.DATAGRAMS_OUT);
        if (tee != null) {
            tee.copy(datagram);
        }
        group.accept(datagram);
    }

    /**
     * Sends a received batch as it lies, with one {@code sendmmsg} (only where {@link #sendsBatches()}), runs of
     * datagrams of one size segmented (UDP GSO) even to the group: the group reader takes them coalesced. Runs the
     * input took coalesced go on as they came.
     *
     * @param batch   the datagrams.
     * @param count   how many messages.
     * @param input   the input's counters.
     * @param teeView a duplicate of {@code batch.data()} for the tee (the caller's, so nothing is allocated here).
     */
    public void send(DatagramBatch batch, int count, Counters input, ByteBuffer teeView) {
        input.add(Counter.DATAGRAMS_OUT, batch.datagrams(0, count));
        if (tee != null) {
            for (int i = 0; i < count; i++) {
                int offset = batch.offset(i);
                tee.copy(teeView.limit(offset + batch.length(i)).position(offset));
            }
        }
        segmentLimit = UdpFanOut.send(batch, batchFd, segmentLimit, groupCounters, errorLog, groupEndpoint.text());
    }

    @Override
    public void close() {
        UdpChannels.closeQuietly(batchChannel);
    }
}
