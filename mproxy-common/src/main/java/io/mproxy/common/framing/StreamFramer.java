package io.mproxy.common.framing;

import io.mproxy.common.stats.Counter;
import io.mproxy.common.stats.Counters;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Cuts a byte stream into datagrams of at most {@code maxDatagram} bytes. The caller reads into a buffer, calls
 * {@link #frame}, compacts what is left at the position and reads more; at end of stream it calls {@link #finish}.
 * Nothing is allocated per datagram: the sink sees a window of the caller's buffer.
 *
 * <pre>{@code
 * StreamFramer framer = StreamFramer.of(Framing.LINE, 8192, counters);
 * while (channel.read(buffer) >= 0) {
 *     buffer.flip();
 *     framer.frame(buffer, interactive, sink);
 *     buffer.compact();
 * }
 * buffer.flip();
 * framer.finish(buffer, sink);
 * }</pre>
 */
public abstract sealed class StreamFramer permits StreamFramer.Lines, StreamFramer.Raw, StreamFramer.LengthPrefixed {
    /** Size of the length prefix of {@link Framing#LENGTH}. */
    public static final int LENGTH_PREFIX = 4;

    final int maxDatagram;
    final Counters counters;

    StreamFramer(int maxDatagram, Counters counters) {
        if (maxDatagram < 1) {
            throw new IllegalArgumentException("maxDatagram must be positive: " + maxDatagram);
        }
        this.maxDatagram = maxDatagram;
        this.counters = Objects.requireNonNull(counters, "counters");
    }

    /**
     * @param framing     the framing.
     * @param maxDatagram the largest datagram to send.
     * @param counters    where split lines and dropped messages are counted.
     * @return a framer; it keeps state between calls, so one per stream.
     */
    public static StreamFramer of(Framing framing, int maxDatagram, Counters counters) {
        return switch (framing) {
            case LINE -> new Lines(maxDatagram, counters);
            case RAW -> new Raw(maxDatagram, counters);
            case LENGTH -> new LengthPrefixed(maxDatagram, counters);
        };
    }

    /** @return the smallest read buffer that works with this framer. */
    public int minimumBuffer() {
        return maxDatagram + LENGTH_PREFIX;
    }

    /**
     * Sends every datagram that is complete in {@code data} (position to limit) and leaves the rest at the position.
     *
     * @param data  stream bytes.
     * @param eager true for interactive input (pipes, terminals, sockets): send what is complete now instead of
     *              waiting to fill a datagram.
     * @param sink  where datagrams go.
     * @throws IOException from the sink.
     */
    public abstract void frame(ByteBuffer data, boolean eager, DatagramSink sink) throws IOException;

    /**
     * At end of stream: sends everything left in {@code data}; what is left after the full datagrams goes as one
     * datagram (for lines: the last whole lines and a final line without its newline together).
     *
     * @param data the last stream bytes.
     * @param sink where datagrams go.
     * @throws IOException from the sink.
     */
    public void finish(ByteBuffer data, DatagramSink sink) throws IOException {
        frame(data, false, sink);
        if (data.hasRemaining()) {
            emit(data, data.limit(), sink);
        }
    }

    /** Sends data[position, end) and moves the position to end. */
    static void emit(ByteBuffer data, int end, DatagramSink sink) throws IOException {
        int limit = data.limit();
        data.limit(end);
        try {
            sink.accept(data);
        } finally {
            data.limit(limit).position(end);
        }
    }

    /** Whole lines packed up to the maximum; a longer line is split at the maximum and counted once. */
    static final class Lines extends StreamFramer {
        private boolean inLongLine;

        Lines(int maxDatagram, Counters counters) {
            super(maxDatagram, counters);
        }

        @Override
        public void frame(ByteBuffer data, boolean eager, DatagramSink sink) throws IOException {
            while (data.hasRemaining()) {
                int start = data.position();
                if (data.remaining() >= maxDatagram) {
                    int newline = lastNewline(data, start, start + maxDatagram);
                    if (newline >= 0) {
                        inLongLine = false;
                        emit(data, newline + 1, sink);
                    } else {
                        if (!inLongLine) {
                            counters.increment(Counter.SPLIT_LINES);
                            inLongLine = true;
                        }
                        emit(data, start + maxDatagram, sink);
                    }
                } else {
                    int newline = eager ? lastNewline(data, start, data.limit()) : -1;
                    if (newline < 0) {
                        return;
                    }
                    inLongLine = false;
                    emit(data, newline + 1, sink);
                }
            }
        }

        private static int lastNewline(ByteBuffer data, int from, int to) {
            for (int i = to - 1; i >= from; i--) {
                if (data.get(i) == '\n') {
                    return i;
                }
            }
            return -1;
        }
    }

    /** Chunks of at most the maximum, as read. */
    static final class Raw extends StreamFramer {
        Raw(int maxDatagram, Counters counters) {
            super(maxDatagram, counters);
        }

        @Override
        public void frame(ByteBuffer data, boolean eager, DatagramSink sink) throws IOException {
            while (data.remaining() >= maxDatagram) {
                emit(data, data.position() + maxDatagram, sink);
            }
            if (eager && data.hasRemaining()) {
                emit(data, data.limit(), sink);
            }
        }
    }

    /** A 4-byte big-endian length, then the message; messages larger than the maximum are skipped and counted. */
    static final class LengthPrefixed extends StreamFramer {
        private long skipping;

        LengthPrefixed(int maxDatagram, Counters counters) {
            super(maxDatagram, counters);
        }

        @Override
        public void frame(ByteBuffer data, boolean eager, DatagramSink sink) throws IOException {
            while (data.hasRemaining()) {
                if (skipping > 0) {
                    int skip = (int) Math.min(skipping, data.remaining());
                    data.position(data.position() + skip);
                    skipping -= skip;
                    continue;
                }
                if (data.remaining() < LENGTH_PREFIX) {
                    return;
                }
                int start = data.position();
                long length = Integer.toUnsignedLong(data.getInt(start));
                if (length > maxDatagram) {
                    counters.increment(Counter.DROPPED);
                    data.position(start + LENGTH_PREFIX);
                    skipping = length;
                    continue;
                }
                if (data.remaining() < LENGTH_PREFIX + length) {
                    return;
                }
                data.position(start + LENGTH_PREFIX);
                emit(data, start + LENGTH_PREFIX + (int) length, sink);
            }
        }

        @Override
        public void finish(ByteBuffer data, DatagramSink sink) throws IOException {
            frame(data, true, sink);
            if (data.hasRemaining() || skipping > 0) {
                counters.increment(Counter.TRUNCATED);
                data.position(data.limit());
                skipping = 0;
            }
        }
    }
}
