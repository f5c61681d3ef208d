package io.mproxy.common.io;

import io.mproxy.common.Errors;
import io.mproxy.common.stats.RateLimitedLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --tee} for components whose datagrams come from several threads: each datagram goes to stdout whole, under
 * a lock, so datagrams of different inputs never interleave there. When the reader of stdout goes away (a broken
 * pipe, {@code ... -t | head}) the copy stops and {@code onStdoutClosed} runs, as {@code cat} would stop; any other
 * write error is logged (at most once a second) and the datagram is skipped on stdout only.
 */
public final class StdoutTee {
    private static final Logger LOG = LoggerFactory.getLogger(StdoutTee.class);

    private final WritableByteChannel stdout;
    private final Runnable onStdoutClosed;
    private final RateLimitedLog errorLog = new RateLimitedLog(StdoutTee.class, 1000);
    private volatile boolean closed;

    /** @param onStdoutClosed runs when stdout turns out to be a closed pipe (e.g. stops the process). */
    public StdoutTee(Runnable onStdoutClosed) {
        this(AppendOutput.stdout(), onStdoutClosed);
    }

    /** @param stdout where copies go (stdout, or a pipe in tests). @param onStdoutClosed runs on a broken pipe. */
    StdoutTee(WritableByteChannel stdout, Runnable onStdoutClosed) {
        this.stdout = Objects.requireNonNull(stdout, "stdout");
        this.onStdoutClosed = Objects.requireNonNull(onStdoutClosed, "onStdoutClosed");
    }

    /**
     * Copies the bytes between position and limit; the datagram's position is left where it was.
     *
     * @param datagram the datagram.
     */
    public void copy(ByteBuffer datagram) {
        if (closed) {
            return;
        }
        int position = datagram.position();
        synchronized (this) {
            try {
                while (datagram.hasRemaining()) {
                    stdout.write(datagram);
                }
            } catch (IOException e) {
                if (Errors.isBrokenPipe(e)) {
                    closed = true;
                    onStdoutClosed.run();
                } else {
                    errorLog.warn("cannot write stdout (--tee): {}", Errors.describe(e));
                }
            } finally {
                datagram.position(position);
            }
        }
    }
}
