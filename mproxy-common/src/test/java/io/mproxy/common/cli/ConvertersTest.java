package io.mproxy.common.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine.TypeConversionException;

class ConvertersTest {
    @ParameterizedTest
    @CsvSource(textBlock = """
        0,      0
        1500,   1500
        4k,     4000
        4K,     4000
        4Ki,    4096
        4ki,    4096
        300M,   300000000
        8Mi,    8388608
        1.5G,   1500000000
        2Gi,    2147483648
        ' 7 ',  7
        """)
    void shouldParseSizesWithDecimalAndBinaryUnits(String text, long bytes) {
        assertThat(Converters.parseSize(text)).isEqualTo(bytes);
    }

    @ParameterizedTest
    @CsvSource(textBlock = """
        0,          0
        1500,       1500
        4096,       4Ki
        33554432,   32Mi
        1073741824, 1Gi
        1049600,    1025Ki
        """)
    void shouldFormatSizesThatParseBackToTheSameBytes(long bytes, String text) {
        assertThat(Converters.formatSize(bytes)).isEqualTo(text);
        assertThat(Converters.parseSize(text)).isEqualTo(bytes);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "M", "Mi", "abc", "-1", "-1k", "1x", "1.2.3", "NaN", "Infinity", "99999999999G",
        "0x10"})
    void shouldRejectWhatIsNotASizeSayingWhatIsExpected(String text) {
        assertThatThrownBy(() -> Converters.parseSize(text))
            .isInstanceOf(TypeConversionException.class)
            .hasMessage("'" + text + "' is not a size: expected a number with an optional k, M, G (x1000) or Ki, Mi,"
                + " Gi (x1024)");
    }

    @ParameterizedTest
    @CsvSource(textBlock = """
        30,      30000
        30s,     30000
        500ms,   500
        1.5s,    1500
        2m,      120000
        1h,      3600000
        ' 2 S ', 2000
        """)
    void shouldParseDurationsWithUnitsAndSecondsWhenNone(String text, long millis) {
        assertThat(Converters.parseDuration(text)).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "s", "soon", "-1s", "1d", "1e3", "NaN", "1.2.3s"})
    void shouldRejectWhatIsNotADurationSayingWhatIsExpected(String text) {
        assertThatThrownBy(() -> Converters.parseDuration(text))
            .isInstanceOf(TypeConversionException.class)
            .hasMessage("'" + text + "' is not a duration: expected a number with ms, s, m or h (seconds when none),"
                + " for example 30s");
    }
}
