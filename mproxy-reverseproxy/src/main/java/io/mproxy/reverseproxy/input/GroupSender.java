package io.mproxy.reverseproxy.input;

import io.mproxy.common.framing.DatagramSink;
import io.mproxy.common.io.StdoutTee;
import io.mproxy.common.net.UdpFanOut;
import io.mproxy.common.stats.Counter;
import io.mproxy.common.stats.Counters;
import java.nio.ByteBuffer;

/**
 * Sends datagrams from every input onto the group over one connected channel (a datagram is sent whole, so inputs
 * on many threads never interleave), and with {@code --tee} copies each one to stdout first ({@link StdoutTee}).
 */
public final class GroupSender {
    private final UdpFanOut group;
    private final StdoutTee tee;

    /**
     * @param group          sends to the group (and counts, per destination).
     * @param tee            copy every datagram to stdout.
     * @param onStdoutClosed runs when stdout is a closed pipe.
     */
    public GroupSender(UdpFanOut group, boolean tee, Runnable onStdoutClosed) {
        this.group = group;
        this.tee = tee ? new StdoutTee(onStdoutClosed) : null;
    }

    /**
     * @param input the input's counters: each datagram sent counts one {@link Counter#DATAGRAMS_OUT} there.
     * @return a sink for that input.
     */
    public DatagramSink sinkFor(Counters input) {
        return datagram -> send(datagram, input);
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
}
