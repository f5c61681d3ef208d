package io.mproxy.common.tcp;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with jitter for reconnects: the n-th delay is drawn from [d/2, d] where
 * d = min(cap, first * 2^n), so many clients of one restarted server do not come back in lockstep.
 */
public final class Backoff {
    /** The first delay's upper bound: the first retry comes within this. */
    public static final Duration DEFAULT_FIRST = Duration.ofMillis(500);
    /** The default cap. */
    public static final Duration DEFAULT_CAP = Duration.ofSeconds(30);

    private final long firstNanos;
    private final long capNanos;
    private int attempt;

    /** @param first the first delay's upper bound. @param cap the largest delay. */
    public Backoff(Duration first, Duration cap) {
        if (first.isNegative() || first.isZero() || cap.compareTo(first) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < first <= cap, got " + first + " and " + cap);
        }
        this.firstNanos = first.toNanos();
        this.capNanos = cap.toNanos();
    }

    /** First delay {@link #DEFAULT_FIRST}, cap {@link #DEFAULT_CAP}. */
    public Backoff() {
        this(DEFAULT_FIRST, DEFAULT_CAP);
    }

    /** @return the delay before the next attempt; each call doubles the bound up to the cap. */
    public Duration next() {
        long bound = attempt >= 62 ? capNanos : Math.min(capNanos, firstNanos << Math.min(attempt, 40));
        if (bound < 0) {
            bound = capNanos;
        }
        attempt++;
        long delay = bound / 2 + ThreadLocalRandom.current().nextLong(bound / 2 + 1);
        return Duration.ofNanos(delay);
    }

    /** @return how many delays were handed out since the last reset. */
    public int attempts() {
        return attempt;
    }

    /** Starts again from the first delay (after a success). */
    public void reset() {
        attempt = 0;
    }
}
