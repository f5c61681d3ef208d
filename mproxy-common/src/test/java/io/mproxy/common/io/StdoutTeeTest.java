package io.mproxy.common.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class StdoutTeeTest {
    @Test
    void shouldCopyTheDatagramWholeAndLeaveItsPositionWhenStdoutTakesIt() throws IOException {
        Pipe pipe = Pipe.open();
        try (Pipe.SinkChannel sink = pipe.sink(); Pipe.SourceChannel source = pipe.source()) {
            StdoutTee tee = new StdoutTee(sink, () -> { });
            ByteBuffer datagram = ByteBuffer.wrap("xxhello\nyy".getBytes(StandardCharsets.US_ASCII));
            datagram.position(2).limit(8);

            tee.copy(datagram);

            assertThat(datagram.position()).isEqualTo(2);
            assertThat(datagram.limit()).isEqualTo(8);
            ByteBuffer copied = ByteBuffer.allocate(16);
            assertThat(source.read(copied)).isEqualTo(6);
            assertThat(new String(copied.array(), 0, 6, StandardCharsets.US_ASCII)).isEqualTo("hello\n");
        }
    }

    @Test
    void shouldStopCopyingAndTellOnceWhenTheReaderOfStdoutIsGone() throws IOException {
        Pipe pipe = Pipe.open();
        pipe.source().close();
        AtomicInteger closedCalls = new AtomicInteger();
        try (Pipe.SinkChannel sink = pipe.sink()) {
            StdoutTee tee = new StdoutTee(sink, closedCalls::incrementAndGet);
            ByteBuffer datagram = ByteBuffer.wrap("line\n".getBytes(StandardCharsets.US_ASCII));

            tee.copy(datagram);
            tee.copy(datagram);

            assertThat(closedCalls).hasValue(1);
            assertThat(datagram.position()).isZero();
        }
    }
}
