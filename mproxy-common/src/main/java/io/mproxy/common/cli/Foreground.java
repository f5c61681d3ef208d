package io.mproxy.common.cli;

import io.mproxy.common.lifecycle.Signals;
import io.mproxy.common.stats.StatsReporter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a long-lived component in the foreground until SIGTERM/SIGINT (or its own stop): installs the signal
 * handlers, opens the {@code --stats} reporter, starts the component (a signal while it starts ends the process:
 * {@link Signals#started}), waits, logs {@code stopping (REASON)}, closes
 * the component (which flushes what it holds), then prints the stats summary when {@code --stats} was given, or
 * else the summary lines of the components that lost data ({@link StatsReporter#finish}).
 *
 * <pre>{@code
 * return Foreground.run(stats, (signals, reporter) ->
 *     Proxy.start(context, () -> signals.stop("stdout closed"), reporter));
 * }</pre>
 */
public final class Foreground {
    private static final Logger LOG = LoggerFactory.getLogger(Foreground.class);

    /** Opens and starts the component. */
    @FunctionalInterface
    public interface Starter {
        /**
         * @param signals  the installed handlers: {@code stop(why)} ends the run, {@code onHangup} adds a SIGHUP
         *                 handler.
         * @param reporter takes the component's counters.
         * @return the running component, closed when the run ends.
         * @throws Exception when it cannot start (what it opened is closed).
         */
        AutoCloseable start(Signals signals, StatsReporter reporter) throws Exception;
    }

    private Foreground() {
    }

    /**
     * @param stats   the {@code --stats} option.
     * @param starter opens and starts the component.
     * @return exit code 0 once stopped and closed.
     * @throws Exception what starting or closing threw (mapped to an exit code by {@link Cli}).
     */
    public static int run(StatsOptions stats, Starter starter) throws Exception {
        Signals signals = Signals.install();
        try (StatsReporter reporter = new StatsReporter(System.err, stats.interval())) {
            signals.onForcedExit(reporter::printTotals);
            AutoCloseable component = starter.start(signals, reporter);
            try {
                signals.started();
                signals.await();
                LOG.info("stopping ({})", signals.reason());
            } finally {
                component.close();
            }
            reporter.finish(stats.enabled());
        }
        return ExitCodes.OK;
    }
}
