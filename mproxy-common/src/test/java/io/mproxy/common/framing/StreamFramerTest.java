package io.mproxy.common.framing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mproxy.common.stats.Counter;
import io.mproxy.common.stats.Counters;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Stream to datagrams without sockets: the boundaries of every framing, fed as a pump feeds them. */
class StreamFramerTest {
    private static final int MAX = 10;

    private final Counters counters = new Counters("test");

    /**
     * Feeds {@code input} in reads of {@code readSize} bytes through a buffer of twice the framer's minimum, as
     * {@link StreamPump} does, then finishes.
     */
    private List<String> frame(Framing framing, String input, boolean eager, int readSize) throws IOException {
        StreamFramer framer = StreamFramer.of(framing, MAX, counters);
        List<String> datagrams = new ArrayList<>();
        DatagramSink sink = d -> {
            byte[] bytes = new byte[d.remaining()];
            d.get(bytes);
            datagrams.add(new String(bytes, StandardCharsets.ISO_8859_1));
        };
        byte[] bytes = input.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer buffer = ByteBuffer.allocate(2 * framer.minimumBuffer());
        int offset = 0;
        while (offset < bytes.length) {
            int n = Math.min(Math.min(readSize, buffer.remaining()), bytes.length - offset);
            buffer.put(bytes, offset, n);
            offset += n;
            buffer.flip();
            framer.frame(buffer, eager, sink);
            buffer.compact();
        }
        buffer.flip();
        framer.finish(buffer, sink);
        assertThat(buffer.hasRemaining()).as("bytes left after finish").isFalse();
        assertThat(String.join("", datagrams)).as("the datagrams joined are the input").isEqualTo(input);
        assertThat(datagrams).allSatisfy(d -> assertThat(d.length()).isBetween(1, MAX));
        return datagrams;
    }

    static List<Arguments> lineCases() {
        String max = "123456789\n";
        return List.of(
            Arguments.of("empty input", "", List.of(), List.of(), 0),
            Arguments.of("one short line", "abc\n", List.of("abc\n"), List.of("abc\n"), 0),
            Arguments.of("no trailing newline", "abc\nde", List.of("abc\nde"), List.of("abc\n", "de"), 0),
            Arguments.of("only a partial line", "abc", List.of("abc"), List.of("abc"), 0),
            Arguments.of("exactly max", max, List.of(max), List.of(max), 0),
            Arguments.of("max - 1", "12345678\n", List.of("12345678\n"), List.of("12345678\n"), 0),
            Arguments.of("max + 1", "1234567890\n", List.of("1234567890", "\n"), List.of("1234567890", "\n"), 1),
            Arguments.of("two max lines", max + max, List.of(max, max), List.of(max, max), 0),
            Arguments.of("several lines packed", "aaa\nbbb\nccc\n", List.of("aaa\nbbb\n", "ccc\n"),
                List.of("aaa\nbbb\n", "ccc\n"), 0),
            Arguments.of("line longer than two datagrams", "abcdefghijklmnopqrstuvwxy\nz\n",
                List.of("abcdefghij", "klmnopqrst", "uvwxy\nz\n"), List.of("abcdefghij", "klmnopqrst", "uvwxy\nz\n"),
                1),
            Arguments.of("two long lines", "abcdefghijkl\nmnopqrstuvwxyz\n",
                List.of("abcdefghij", "kl\n", "mnopqrstuv", "wxyz\n"), List.of("abcdefghij", "kl\n", "mnopqrstuv",
                    "wxyz\n"), 2),
            Arguments.of("long line without newline at the end", "abcdefghijklm",
                List.of("abcdefghij", "klm"), List.of("abcdefghij", "klm"), 1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("lineCases")
    void shouldPackWholeLinesAndSplitLongOnesWhenFramingLinesFromAFile(String name, String input,
        List<String> fromFile, List<String> interactive, long splitLines) throws IOException {
        assertThat(frame(Framing.LINE, input, false, 64)).isEqualTo(fromFile);
        assertThat(counters.get(Counter.SPLIT_LINES)).isEqualTo(splitLines);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("lineCases")
    void shouldSendWholeLinesAsSoonAsReadWhenFramingLinesEagerly(String name, String input,
        List<String> fromFile, List<String> interactive, long splitLines) throws IOException {
        assertThat(frame(Framing.LINE, input, true, 64)).isEqualTo(interactive);
        assertThat(counters.get(Counter.SPLIT_LINES)).isEqualTo(splitLines);
    }

    @Test
    void shouldSendEachLineOnItsOwnWhenAPipeDeliversOneLinePerRead() throws IOException {
        assertThat(frame(Framing.LINE, "a\nb\nc\n", true, 2)).containsExactly("a\n", "b\n", "c\n");
    }

    @Test
    void shouldHoldAPartialLineUntilItsNewlineArrivesWhenEager() throws IOException {
        assertThat(frame(Framing.LINE, "abc\ndef\n", true, 5)).containsExactly("abc\n", "def\n");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 7, 10, 64})
    void shouldPackTheSameWayWhateverTheReadSizeWhenFramingAFile(int readSize) throws IOException {
        assertThat(frame(Framing.LINE, "aaa\nbbb\nccc\nddddddddddddd\ne\n", false, readSize))
            .containsExactly("aaa\nbbb\n", "ccc\n", "dddddddddd", "ddd\ne\n");
        assertThat(counters.get(Counter.SPLIT_LINES)).isEqualTo(1);
    }

    @Test
    void shouldCutRawChunksOfMaxFromAFile() throws IOException {
        assertThat(frame(Framing.RAW, "abcdefghijklmnopqrstuvw", false, 64))
            .containsExactly("abcdefghij", "klmnopqrst", "uvw");
        assertThat(counters.get(Counter.SPLIT_LINES)).isZero();
    }

    @Test
    void shouldSendRawReadsAsTheyComeWhenEager() throws IOException {
        assertThat(frame(Framing.RAW, "abcdefghijklmnopqrstuvw", true, 4))
            .containsExactly("abcd", "efgh", "ijkl", "mnop", "qrst", "uvw");
    }

    @Test
    void shouldSendNothingForEmptyRawInput() throws IOException {
        assertThat(frame(Framing.RAW, "", false, 64)).isEmpty();
    }

    @Test
    void shouldSendExactlyMaxAsOneRawChunk() throws IOException {
        assertThat(frame(Framing.RAW, "0123456789", false, 64)).containsExactly("0123456789");
    }

    @Test
    void shouldUnwrapLengthPrefixedMessagesAndSkipOversizedOnes() throws IOException {
        StreamFramer framer = StreamFramer.of(Framing.LENGTH, MAX, counters);
        ByteBuffer data = ByteBuffer.allocate(64);
        data.putInt(3).put("abc".getBytes(StandardCharsets.US_ASCII));
        data.putInt(11).put("01234567890".getBytes(StandardCharsets.US_ASCII));
        data.putInt(0);
        data.putInt(10).put("0123456789".getBytes(StandardCharsets.US_ASCII));
        data.putInt(5).put("xy".getBytes(StandardCharsets.US_ASCII));
        data.flip();
        List<String> messages = new ArrayList<>();
        DatagramSink sink = d -> {
            byte[] bytes = new byte[d.remaining()];
            d.get(bytes);
            messages.add(new String(bytes, StandardCharsets.US_ASCII));
        };
        framer.frame(data, false, sink);
        assertThat(messages).containsExactly("abc", "", "0123456789");
        assertThat(counters.get(Counter.DROPPED)).isEqualTo(1);
        framer.finish(data, sink);
        assertThat(messages).containsExactly("abc", "", "0123456789");
        assertThat(counters.get(Counter.TRUNCATED)).isEqualTo(1);
        assertThat(data.hasRemaining()).isFalse();
    }

    @Test
    void shouldRejectANonPositiveMaximum() {
        assertThatThrownBy(() -> StreamFramer.of(Framing.LINE, 0, counters))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("maxDatagram must be positive: 0");
    }

    @Test
    void shouldParseFramingNamesInAnyCaseAndNameTheChoicesOtherwise() {
        assertThat(Framing.parse("LINE")).isEqualTo(Framing.LINE);
        assertThat(Framing.parse("raw")).isEqualTo(Framing.RAW);
        assertThat(Framing.LENGTH.cliName()).isEqualTo("length");
        assertThatThrownBy(() -> Framing.parse("lines"))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("unknown framing 'lines': expected line, raw or length");
    }
}
