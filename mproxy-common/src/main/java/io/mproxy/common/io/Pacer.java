package io.mproxy.common.io;

import java.util.concurrent.locks.LockSupport;

/**
 * Paces a sender to a byte rate smoothly: each send is due when the bytes before it have had their time, so there
 * are no bursts at interval boundaries. Sleeps only when ahead by more than 200 µs (timer slack makes shorter sleeps
 * imprecise); falls back to no pause when behind, without catching up in a burst later than 10 ms. {@link #release()}
 * ends the pacing at once, from any thread: a sender stopping (SIGTERM) sends what it already read without waiting
 * for its rate, which at a low rate could take minutes.
 */
public final class Pacer {
    private static final long MIN_SLEEP_NANOS = 200_000;
    private static final long MAX_DEBT_NANOS = 10_000_000;

    private final double nanosPerByte;
    private long due;
    private volatile boolean released;
    private volatile Thread sleeper;

    /** @param bytesPerSecond the rate, or 0 for no pacing. */
    public Pacer(long bytesPerSecond) {
        this.nanosPerByte = bytesPerSecond <= 0 ? 0 : 1e9 / bytesPerSecond;
        this.due = System.nanoTime();
    }

    /** @return true when this pacer limits the rate. */
    public boolean isPacing() {
        return nanosPerByte > 0;
    }

    /**
     * Waits until {@code bytes} more may be sent.
     *
     * @param bytes the size of the next send.
     */
    public void acquire(int bytes) {
        if (nanosPerByte == 0 || released) {
            return;
        }
        long now = System.nanoTime();
        if (now - due > MAX_DEBT_NANOS) {
            due = now - MAX_DEBT_NANOS;
        }
        long ahead = due - now;
        if (ahead > MIN_SLEEP_NANOS) {
            sleeper = Thread.currentThread();
            while (ahead > MIN_SLEEP_NANOS && !released) {
                LockSupport.parkNanos(this, ahead);
                ahead = due - System.nanoTime();
            }
            sleeper = null;
        }
        due += (long) (bytes * nanosPerByte);
    }

    /** Ends the pacing for good and wakes a sender waiting in {@link #acquire(int)}; callable from any thread. */
    public void release() {
        released = true;
        Thread waiting = sleeper;
        if (waiting != null) {
            LockSupport.unpark(waiting);
        }
    }
}
