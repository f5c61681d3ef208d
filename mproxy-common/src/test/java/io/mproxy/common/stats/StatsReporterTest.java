package io.mproxy.common.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.mproxy.common.test.Await;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StatsReporterTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private String printed() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void shouldPrintOneSummaryLinePerComponentWithItsShownCountersAndGauge() {
        Counters listener = new Counters("listener 127.0.0.1:9000",
            EnumSet.of(Counter.DATAGRAMS_IN, Counter.BYTES_IN, Counter.DROPPED));
        listener.countIn(100);
        listener.countIn(23);
        listener.increment(Counter.DROPPED);
        listener.increment(Counter.ERRORS);
        Counters output = new Counters("output out.log", EnumSet.of(Counter.BYTES_OUT));
        output.add(Counter.BYTES_OUT, 123);
        try (StatsReporter reporter = new StatsReporter(out, 0)) {
            reporter.add(listener, "kernel drops", () -> 7);
            reporter.add(output, "hidden", () -> -1);
            reporter.finish(true);
        }
        assertThat(printed().lines()).containsExactly(
            "total listener 127.0.0.1:9000: datagrams in 2, bytes in 123, dropped 1, kernel drops 7",
            "total output out.log: bytes out 123");
    }

    @Test
    void shouldPrintOnlyTheComponentsThatLostDataAtExitWithoutStats() {
        Counters listener = new Counters("listener 127.0.0.1:9000", EnumSet.of(Counter.DATAGRAMS_IN, Counter.DROPPED));
        listener.countIn(10);
        listener.add(Counter.DROPPED, 2);
        Counters output = new Counters("output out.log", EnumSet.of(Counter.BYTES_OUT, Counter.ERRORS));
        output.add(Counter.BYTES_OUT, 10);
        Counters socket = new Counters("group 239.1.2.3:9000", EnumSet.of(Counter.DATAGRAMS_IN));
        socket.countIn(5);
        Counters clients = new Counters("tcp output 127.0.0.1:9001", EnumSet.of(Counter.DATAGRAMS_OUT));
        try (StatsReporter reporter = new StatsReporter(out, 0)) {
            reporter.add(listener, StatsReporter.KERNEL_DROPS, () -> 0);
            reporter.add(output);
            reporter.add(socket, StatsReporter.KERNEL_DROPS, () -> 5);
            reporter.add(clients, "clients", () -> 3);
            reporter.finish(false);
        }
        assertThat(printed().lines()).containsExactly(
            "total listener 127.0.0.1:9000: datagrams in 1, dropped 2, kernel drops 0",
            "total group 239.1.2.3:9000: datagrams in 1, kernel drops 5");
    }

    @Test
    void shouldPrintTheDroppedRunsOfACoalescingSocketAtExitWithoutStats() {
        Counters group = new Counters("group 239.1.2.3:9000", EnumSet.of(Counter.DATAGRAMS_IN));
        group.countIn(5);
        Counters quiet = new Counters("group 239.1.2.4:9000", EnumSet.of(Counter.DATAGRAMS_IN));
        try (StatsReporter reporter = new StatsReporter(out, 0)) {
            reporter.add(group, StatsReporter.KERNEL_DROPPED_RUNS, () -> 2);
            reporter.add(quiet, StatsReporter.KERNEL_DROPPED_RUNS, () -> 0);
            reporter.finish(false);
        }
        assertThat(printed().lines()).containsExactly(
            "total group 239.1.2.3:9000: datagrams in 1, kernel dropped runs 2");
    }

    @Test
    void shouldPrintNothingAtExitWithoutStatsWhenNothingWasLost() {
        Counters listener = new Counters("listener 127.0.0.1:9000", EnumSet.of(Counter.DATAGRAMS_IN, Counter.DROPPED));
        listener.countIn(10);
        try (StatsReporter reporter = new StatsReporter(out, 0)) {
            reporter.add(listener, StatsReporter.KERNEL_DROPS, () -> 0);
            reporter.finish(false);
        }
        assertThat(printed()).isEmpty();
    }

    @Test
    void shouldPrintEveryComponentAtExitWithStats() {
        Counters listener = new Counters("listener 127.0.0.1:9000", EnumSet.of(Counter.DATAGRAMS_IN, Counter.DROPPED));
        listener.countIn(10);
        try (StatsReporter reporter = new StatsReporter(out, 0)) {
            reporter.add(listener, StatsReporter.KERNEL_DROPS, () -> 0);
            reporter.finish(true);
        }
        assertThat(printed().lines()).containsExactly(
            "total listener 127.0.0.1:9000: datagrams in 1, dropped 0, kernel drops 0");
    }

    @Test
    void shouldPrintEveryComponentsTotalsWhileRunningWhenAStopCannotWait() {
        Counters listener = new Counters("listener 127.0.0.1:9000", EnumSet.of(Counter.DATAGRAMS_IN));
        listener.countIn(10);
        Counters output = new Counters("output out.log", EnumSet.of(Counter.BYTES_OUT));
        output.add(Counter.BYTES_OUT, 4);
        try (StatsReporter reporter = new StatsReporter(out, 60)) {
            reporter.add(listener);
            reporter.add(output);
            reporter.printTotals();
            assertThat(printed().lines()).containsExactly("total listener 127.0.0.1:9000: datagrams in 1",
                "total output out.log: bytes out 4");
        }
    }

    @Test
    void shouldShowOnlyTheGaugeWhenNoCounterIsShown() {
        try (StatsReporter reporter = new StatsReporter(out, 0)) {
            reporter.add(new Counters("socket", EnumSet.noneOf(Counter.class)), "kernel drops", () -> 0);
            reporter.finish(true);
        }
        assertThat(printed().lines()).containsExactly("total socket: kernel drops 0");
    }

    @Test
    void shouldPrintPeriodicLinesWithRatesAndEndWithTheSummary() {
        Counters counters = new Counters("input -", EnumSet.of(Counter.BYTES_IN));
        counters.add(Counter.BYTES_IN, 5);
        try (StatsReporter reporter = new StatsReporter(out, 1)) {
            reporter.add(counters);
            Await.until("a periodic stats line", () -> printed().contains("stats input -: bytes in 5 ("));
            reporter.finish(true);
        }
        assertThat(printed().lines()).last().isEqualTo("total input -: bytes in 5");
        assertThat(printed().lines()).allMatch(l -> l.matches("stats input -: bytes in 5 \\(\\d+(\\.\\d)? k?B/s\\)")
            || l.equals("total input -: bytes in 5"));
    }

    @ParameterizedTest
    @CsvSource(textBlock = """
        0,          0 B/s
        999,        999 B/s
        999.6,      1.0 kB/s
        999960,     1.0 MB/s
        1000,       1.0 kB/s
        1499999,    1.5 MB/s
        250000000,  250.0 MB/s
        3.2e12,     3.2 TB/s
        5e15,       5000.0 TB/s
        """)
    void shouldShowRatesInDecimalUnits(double rate, String text) {
        assertThat(StatsReporter.bytesPerSecond(rate)).isEqualTo(text);
    }
}
