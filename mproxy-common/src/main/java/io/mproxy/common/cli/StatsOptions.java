package io.mproxy.common.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** {@code --stats[=SECONDS]}: a periodic stats line on stderr and a summary at exit. */
public final class StatsOptions {
    /** The interval when {@code --stats} is given without a value. */
    public static final int DEFAULT_INTERVAL = 10;

    private final OptionSpec interval;

    /** @param spec the model to add the option to. */
    public StatsOptions(CommandSpec spec) {
        interval = CommandModel.option(spec, OptionSpec.builder("--stats").paramLabel("SECONDS").type(Integer.class)
            .arity("0..1").fallbackValue("" + DEFAULT_INTERVAL)
            .description("Print counters to stderr every SECONDS (default ${FALLBACK-VALUE}; 0: only at exit) and a "
                + "summary at exit."));
    }

    /** @return true when stats were asked for. */
    public boolean enabled() {
        return interval.getValue() != null;
    }

    /** @return seconds between stats lines, 0 for the exit summary only. */
    public int interval() {
        Integer seconds = interval.getValue();
        if (seconds != null && seconds < 0) {
            throw new UsageException("--stats " + seconds + " is negative: expected seconds, 0 or more");
        }
        return seconds == null ? 0 : seconds;
    }
}
