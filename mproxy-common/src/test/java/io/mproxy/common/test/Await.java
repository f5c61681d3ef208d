package io.mproxy.common.test;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits on a condition with a deadline (never a bare sleep), failing with what was awaited and what was seen. */
public final class Await {
    /** The default deadline: generous, since CI machines are slow and shared. */
    public static final Duration DEFAULT = Duration.ofSeconds(20);

    private Await() {
    }

    /**
     * @param what      what is awaited, for the failure message.
     * @param condition polled every 10 ms.
     * @param deadline  the longest wait.
     */
    public static void until(String what, BooleanSupplier condition, Duration deadline) {
        until(what, condition, deadline, () -> "");
    }

    /**
     * @param what      what is awaited.
     * @param condition polled every 10 ms.
     * @param deadline  the longest wait.
     * @param seen      describes the state on failure.
     */
    public static void until(String what, BooleanSupplier condition, Duration deadline, Supplier<String> seen) {
        long end = System.nanoTime() + deadline.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                throw new AssertionError("timed out after " + deadline + " waiting for " + what + ". " + seen.get());
            }
            LockSupport.parkNanos(10_000_000L);
        }
    }

    /** @param what what is awaited. @param condition polled every 10 ms for {@link #DEFAULT}. */
    public static void until(String what, BooleanSupplier condition) {
        until(what, condition, DEFAULT);
    }
}
