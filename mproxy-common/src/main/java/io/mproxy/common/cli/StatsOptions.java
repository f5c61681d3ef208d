package io.mproxy.common.cli;

import picocli.CommandLine.Option;

/** {@code --stats[=SECONDS]}: a periodic stats line on stderr and a summary at exit. */
public final class StatsOptions {
    /** The interval when {@code --stats} is given without a value. */
    public static final int DEFAULT_INTERVAL = 10;

    @Option(names = "--stats", paramLabel = "SECONDS", arity = "0..1", fallbackValue = "" + DEFAULT_INTERVAL,
        description = "Print counters to stderr every SECONDS (default ${FALLBACK-VALUE}; 0: only at exit) and a "
            + "summary at exit.")
    Integer interval;

    /** @return true when stats were asked for. */
    public boolean enabled() {
        return interval != null;
    }

    /** @return seconds between stats lines, 0 for the exit summary only. */
    public int interval() {
        if (interval != null && interval < 0) {
            throw new UsageException("--stats " + interval + " is negative: expected seconds, 0 or more");
        }
        return interval == null ? 0 : interval;
    }
}
