package io.mproxy.common.framing;

import io.mproxy.common.stats.Counter;
import io.mproxy.common.stats.Counters;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Objects;

/**
 * Reads a stream (file, stdin, TCP socket) to its end, frames it into datagrams and hands them to a sink; optionally
 * copies every byte read to a tee channel first. One direct buffer, reused: nothing is allocated per read or datagram.
 *
 * <pre>{@code
 * StreamPump pump = new StreamPump(StreamFramer.of(Framing.LINE, 8192, counters), counters, 1 << 20);
 * pump.pump(socketChannel, true, fanOut, null);
 * }</pre>
 */
public final class StreamPump {
    private final StreamFramer framer;
    private final Counters counters;
    private final ByteBuffer buffer;
    private final ByteBuffer teeView;

    /**
     * @param framer     the framing, with its state (one pump per stream).
     * @param counters   counts {@link Counter#BYTES_IN}.
     * @param bufferSize bytes per read; raised to what the framer needs.
     */
    public StreamPump(StreamFramer framer, Counters counters, int bufferSize) {
        this.framer = Objects.requireNonNull(framer, "framer");
        this.counters = Objects.requireNonNull(counters, "counters");
        this.buffer = ByteBuffer.allocateDirect(Math.max(bufferSize, 2 * framer.minimumBuffer()));
        this.teeView = buffer.duplicate();
    }

    /**
     * Pumps until end of stream, or until the channel is closed by another thread (which ends the pump normally);
     * what was read is always framed and sent, including a last partial line.
     *
     * @param in       the stream.
     * @param eager    true for interactive streams (pipes, sockets): send what is complete as soon as a read returns.
     * @param sink     where datagrams go.
     * @param tee      gets every byte read, before framing, or null.
     * @param progress told the total bytes read after each read, or null.
     * @throws IOException when reading fails (not when closed by another thread), or from the sink or tee.
     */
    public void pump(ReadableByteChannel in, boolean eager, DatagramSink sink, WritableByteChannel tee,
                     java.util.function.LongConsumer progress) throws IOException {
        long total = 0;
        try {
            while (true) {
                int before = buffer.position();
                int read = in.read(buffer);
                if (read < 0) {
                    break;
                }
                total += read;
                counters.add(Counter.BYTES_IN, read);
                if (tee != null && read > 0) {
                    teeView.limit(before + read).position(before);
                    while (teeView.hasRemaining()) {
                        tee.write(teeView);
                    }
                }
                buffer.flip();
                framer.frame(buffer, eager, sink);
                buffer.compact();
                if (progress != null) {
                    progress.accept(total);
                }
            }
        } catch (AsynchronousCloseException e) {
            // closed by another thread to stop: send what was read
        } finally {
            buffer.flip();
            try {
                framer.finish(buffer, sink);
            } finally {
                buffer.clear();
            }
        }
    }
}
