package io.mproxy.reverseproxy.input;

import io.mproxy.common.Errors;
import io.mproxy.common.framing.DatagramSink;
import io.mproxy.common.io.AppendOutput;
import io.mproxy.common.net.UdpFanOut;
import io.mproxy.common.stats.Counter;
import io.mproxy.common.stats.Counters;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends datagrams from every input onto the group over one connected channel (a datagram is sent whole, so inputs
 * on many threads never interleave), and with {@code --tee} copies each one to stdout first.
 */
public final class GroupSender {
    private static final Logger LOG = LoggerFactory.getLogger(GroupSender.class);

    private final UdpFanOut group;
    private final FileChannel tee;
    private final Runnable onStdoutClosed;
    private final Object teeLock = new Object();
    private volatile boolean teeBroken;

    /**
     * @param group          sends to the group (and counts, per destination).
     * @param tee            copy every datagram to stdout.
     * @param onStdoutClosed runs when stdout is a closed pipe.
     */
    public GroupSender(UdpFanOut group, boolean tee, Runnable onStdoutClosed) {
        this.group = group;
        this.tee = tee ? AppendOutput.stdout() : null;
        this.onStdoutClosed = onStdoutClosed;
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
        if (tee != null && !teeBroken) {
            copyToStdout(datagram.duplicate());
        }
        group.accept(datagram);
    }

    private void copyToStdout(ByteBuffer copy) {
        synchronized (teeLock) {
            try {
                while (copy.hasRemaining()) {
                    tee.write(copy);
                }
            } catch (IOException e) {
                teeBroken = true;
                LOG.warn("cannot write stdout (--tee): {}", Errors.describe(e));
                onStdoutClosed.run();
            }
        }
    }
}
