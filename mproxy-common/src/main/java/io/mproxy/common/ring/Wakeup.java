package io.mproxy.common.ring;

import java.lang.invoke.VarHandle;
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

    /**
     * Wakes the consumer if it sleeps; cheap (a fence and a volatile read) when it does not. The fence keeps the
     * producer's release of its record from passing the read of {@code waiting} (store-load, which a release store
     * allows), else both sides could miss each other and the consumer would sleep its whole timeout.
     */
    public void signal() {
        VarHandle.fullFence();
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
