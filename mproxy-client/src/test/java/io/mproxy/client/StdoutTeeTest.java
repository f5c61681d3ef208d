package io.mproxy.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class StdoutTeeTest {
    @Test
    void shouldCopyUntilTheReaderGoesAwayThenDropCopiesAndTellOnce() throws IOException {
        Pipe pipe = Pipe.open();
        AtomicInteger closedCalls = new AtomicInteger();
        StdoutTee tee = new StdoutTee(pipe.sink(), closedCalls::incrementAndGet);

        assertThat(tee.write(ByteBuffer.wrap("abc".getBytes(StandardCharsets.US_ASCII)))).isEqualTo(3);
        ByteBuffer read = ByteBuffer.allocate(16);
        pipe.source().read(read);
        assertThat(new String(read.array(), 0, read.position(), StandardCharsets.US_ASCII)).isEqualTo("abc");

        pipe.source().close();
        ByteBuffer more = ByteBuffer.wrap("defg".getBytes(StandardCharsets.US_ASCII));
        assertThat(tee.write(more)).as("counted as written, so the pump goes on").isEqualTo(4);
        assertThat(more.hasRemaining()).isFalse();
        assertThat(tee.write(ByteBuffer.wrap(new byte[5]))).isEqualTo(5);
        assertThat(closedCalls).hasValue(1);
        assertThat(tee.isOpen()).isFalse();
    }
}
