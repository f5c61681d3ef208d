package io.mproxy.common.stats;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs a recurring problem at most once per interval, saying how many were not logged in between, so an error on
 * every packet never floods the log nor slows the hot path.
 */
public final class RateLimitedLog {
    private final Class<?> owner;
    private final long intervalNanos;
    private Logger log;
    private long nextNanos = Long.MIN_VALUE;
    private long suppressed;

    /**
     * @param owner          the class whose logger writes the lines, looked up at the first one: a process that
     *                       never logs (a client) never starts the logging back end for it.
     * @param intervalMillis the least time between two lines.
     */
    public RateLimitedLog(Class<?> owner, long intervalMillis) {
        this.owner = owner;
        this.intervalNanos = intervalMillis * 1_000_000L;
    }

    /**
     * @param format an slf4j format with one {} for {@code argument}.
     * @param argument the argument.
     */
    public synchronized void warn(String format, Object argument) {
        long now = System.nanoTime();
        if (nextNanos != Long.MIN_VALUE && now - nextNanos < 0) {
            suppressed++;
            return;
        }
        nextNanos = now + intervalNanos;
        if (log == null) {
            log = LoggerFactory.getLogger(owner);
        }
        if (suppressed > 0) {
            log.warn(format + " (and {} more like it)", argument, suppressed);
            suppressed = 0;
        } else {
            log.warn(format, argument);
        }
    }
}
