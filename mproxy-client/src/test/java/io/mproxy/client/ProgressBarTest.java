package io.mproxy.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressBarTest {
    @Test
    void shouldDrawBytesPercentRateAndTimeLeftOnOneRedrawnLine() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), 2_000);
        bar.update(500);
        bar.finish(2_000);
        String drawn = bytes.toString(StandardCharsets.UTF_8);
        String[] frames = drawn.split("\r", -1);
        assertThat(frames).hasSize(3);
        assertThat(frames[0]).isEmpty();
        assertThat(frames[1]).matches("\\[#{7} {23}]  25\\.0% 500 B of 2\\.0 kB \\S+ \\S*B/s ETA \\d+:\\d\\d ");
        assertThat(frames[2]).matches("\\[#{30}] 100\\.0% 2\\.0 kB of 2\\.0 kB \\S+ \\S*B/s ETA 0:00 \n");
    }

    @Test
    void shouldNotTakeAPipeOrFileForATerminal() {
        // The test JVM's stderr is a pipe or a file: the client must then never draw.
        assertThat(ProgressBar.stderrIsTerminal()).isFalse();
    }
}
