package io.mproxy.common.ring;

import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Lets one consumer thread sleep until a producer has something for it, without a lost wake-up and without a
 * syscall on the producer's side while the consumer is busy.
 */
public final class Wakeup {
    private volatile Thread waiter;
    private volatile boolean waiting;

    /**
     * Sleeps until {@code ready} holds, {@link #wake()} is called, or the timeout passes.
     *
     * @param ready         checked after announcing the wait, so a concurrent wake is never lost.
     * @param timeoutNanos  the longest sleep.
     */
    public void await(BooleanSupplier ready, long timeoutNanos) {
        waiter = Thread.currentThread();
        waiting = true;
        try {
            if (!ready.getAsBoolean()) {
                LockSupport.parkNanos(this, timeoutNanos);
            }
        } finally {
            waiting = false;
        }
    }

    /** Wakes the consumer if it sleeps; cheap (one volatile read) when it does not. */
    public void signal() {
        if (waiting) {
            LockSupport.unpark(waiter);
        }
    }

    /** Wakes the consumer whether or not it announced a wait (for shutdown and reopen requests). */
    public void wake() {
        Thread thread = waiter;
        if (thread != null) {
            LockSupport.unpark(thread);
        }
    }
}
