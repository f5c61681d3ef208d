package io.mproxy.common.stats;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * Prints one stats line per component to stderr every interval, with rates since the last line, and a summary at
 * exit. A component may add a gauge read at print time, such as the kernel's drop count for its socket. Without
 * {@code --stats}, {@link #finish} still prints the summary line of every component that lost data, so that no run
 * loses data silently.
 */
public final class StatsReporter implements AutoCloseable {
    /** The label of a socket's kernel drop count: a gauge that counts lost data. */
    public static final String KERNEL_DROPS = "kernel drops";
    /**
     * The label of the kernel drop count of a socket that takes coalesced runs (UDP GRO): the kernel counts a dropped
     * run once, however many datagrams it held (up to 64), so the count is of runs, not datagrams.
     */
    public static final String KERNEL_DROPPED_RUNS = "kernel dropped runs";
    /** The gauges that count lost data. */
    private static final Set<String> LOSS_GAUGES = Set.of(KERNEL_DROPS, KERNEL_DROPPED_RUNS);

    private record Source(Counters counters, String gaugeLabel, LongSupplier gauge, long[] last) {
    }

    private final PrintStream out;
    private final List<Source> sources = new CopyOnWriteArrayList<>();
    private final long intervalNanos;
    private final Thread thread;
    private long lastPrint = System.nanoTime();
    private volatile boolean closed;

    /**
     * @param coalesced true for a socket that takes coalesced runs.
     * @return the label of its kernel drop count: {@link #KERNEL_DROPPED_RUNS} or {@link #KERNEL_DROPS}.
     */
    public static String kernelDropsLabel(boolean coalesced) {
        return coalesced ? KERNEL_DROPPED_RUNS : KERNEL_DROPS;
    }

    /**
     * @param out             where lines go (stderr).
     * @param intervalSeconds seconds between lines, or 0 for none (summary only).
     */
    public StatsReporter(PrintStream out, int intervalSeconds) {
        this.out = out;
        this.intervalNanos = intervalSeconds * 1_000_000_000L;
        if (intervalSeconds > 0) {
            thread = Thread.ofPlatform().daemon().name("stats").unstarted(this::run);
            thread.start();
        } else {
            thread = null;
        }
    }

    /** @param counters a component to report. */
    public void add(Counters counters) {
        add(counters, null, null);
    }

    /**
     * @param counters   a component to report.
     * @param gaugeLabel the label of an extra value, e.g. {@code kernel drops}.
     * @param gauge      reads the value; a negative value is not shown.
     */
    public void add(Counters counters, String gaugeLabel, LongSupplier gauge) {
        sources.add(new Source(counters, gaugeLabel, gauge, new long[Counter.values().length]));
    }

    private void run() {
        while (!closed) {
            long deadline = lastPrint + intervalNanos;
            long wait;
            while (!closed && (wait = deadline - System.nanoTime()) > 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(this, wait);
            }
            if (!closed) {
                print("stats", source -> true);
            }
        }
    }

    private synchronized void print(String prefix, Predicate<Source> which) {
        long now = System.nanoTime();
        double seconds = Math.max(1e-9, (now - lastPrint) / 1e9);
        lastPrint = now;
        for (Source source : sources) {
            if (which.test(source)) {
                out.println(line(prefix, source, seconds, !"total".equals(prefix)));
            }
        }
        out.flush();
    }

    private static String line(String prefix, Source source, double seconds, boolean rates) {
        StringBuilder line = new StringBuilder(prefix).append(' ').append(source.counters.name()).append(':');
        boolean first = true;
        for (Counter counter : source.counters.shown()) {
            long value = source.counters.get(counter);
            line.append(first ? " " : ", ").append(counter.label()).append(' ').append(value);
            if (rates && (counter == Counter.BYTES_IN || counter == Counter.BYTES_OUT)) {
                double rate = (value - source.last[counter.ordinal()]) / seconds;
                line.append(" (").append(bytesPerSecond(rate)).append(')');
            }
            source.last[counter.ordinal()] = value;
            first = false;
        }
        if (source.gauge != null) {
            long value = source.gauge.getAsLong();
            if (value >= 0) {
                line.append(first ? " " : ", ").append(source.gaugeLabel).append(' ').append(value);
            }
        }
        return line.toString();
    }

    /** @param rate bytes per second. @return e.g. {@code 12.3 MB/s} (decimal units, as network people count). */
    public static String bytesPerSecond(double rate) {
        return human(rate) + "B/s";
    }

    /** @param value a number. @return it with a k/M/G decimal prefix and one decimal, e.g. {@code 1.5 M}. */
    public static String human(double value) {
        String[] units = {" ", " k", " M", " G", " T"};
        int unit = 0;
        // Step up where the rounded figure would reach 1000 (999.96 k is "1.0 M", not "1000.0 k").
        while (unit < units.length - 1 && value >= (unit == 0 ? 999.5 : 999.95)) {
            value /= 1000;
            unit++;
        }
        return String.format(Locale.ROOT, unit == 0 ? "%.0f%s" : "%.1f%s", value, units[unit]);
    }

    /**
     * At exit, after the periodic lines have stopped (so the summary is last): the summary line ("total ...") of every
     * component when {@code --stats} was given; otherwise only those of the components that lost data (a shown loss
     * counter, or a {@link #KERNEL_DROPS} or {@link #KERNEL_DROPPED_RUNS} gauge above zero), so that a loss is never
     * silent.
     *
     * @param summary true when {@code --stats} was given.
     */
    public void finish(boolean summary) {
        stop();
        print("total", summary ? source -> true : StatsReporter::lostData);
    }

    /** Prints the summary line ("total ...") of every component now, as when a stop cannot wait for the flush. */
    public void printTotals() {
        print("total", source -> true);
    }

    private static boolean lostData(Source source) {
        for (Counter counter : source.counters.shown()) {
            if (counter.isLoss() && source.counters.get(counter) > 0) {
                return true;
            }
        }
        // Set.of rejects a null lookup: a component without a gauge has no label
        return source.gaugeLabel != null && LOSS_GAUGES.contains(source.gaugeLabel) && source.gauge.getAsLong() > 0;
    }

    private void stop() {
        close();
        if (thread != null) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        if (thread != null) {
            java.util.concurrent.locks.LockSupport.unpark(thread);
        }
    }
}
