package io.mproxy.client;

import io.mproxy.common.Errors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/**
 * Stdout for {@code --tee}. When the reader of stdout goes away ({@code mproxy-client -t ... | head}), the copy stops
 * and {@code onClosed} runs once, as {@code cat} would stop; any other write error fails the client.
 */
final class StdoutTee implements WritableByteChannel {
    private final WritableByteChannel stdout;
    private final Runnable onClosed;
    private boolean closed;

    /**
     * @param stdout   stdout ({@link io.mproxy.common.io.AppendOutput#stdout()}), or a pipe in tests.
     * @param onClosed runs once when stdout turns out to be a closed pipe.
     */
    StdoutTee(WritableByteChannel stdout, Runnable onClosed) {
        this.stdout = stdout;
        this.onClosed = onClosed;
    }

    @Override
    public int write(ByteBuffer source) throws IOException {
        int length = source.remaining();
        if (!closed) {
            try {
                return stdout.write(source);
            } catch (IOException e) {
                if (!Errors.isBrokenPipe(e)) {
                    throw new IOException("cannot write stdout (--tee): " + e.getMessage(), e);
                }
                closed = true;
                onClosed.run();
            }
        }
        source.position(source.limit());
        return length;
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    @Override
    public void close() {
        closed = true;
    }
}
