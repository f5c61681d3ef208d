package io.mproxy.common.lifecycle;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT release a barrier that {@code main} waits on, so the component is closed (flushed) and the
 * process exits 0; SIGHUP runs a handler (reopen files, reload config). A burst of SIGHUPs may arrive as one, so
 * handlers should set a flag rather than count.
 */
public final class Signals {
    private final CountDownLatch stop = new CountDownLatch(1);
    private volatile String reason;

    /** Installs the TERM and INT handlers. @return the signals. */
    public static Signals install() {
        Signals signals = new Signals();
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), s -> signals.stop("SIG" + name));
            } catch (IllegalArgumentException e) {
                // not on this platform
            }
        }
        return signals;
    }

    /**
     * @param handler runs on SIGHUP, on the signal dispatcher thread: keep it short.
     * @return this for a fluent API.
     */
    public Signals onHangup(Runnable handler) {
        try {
            Signal.handle(new Signal("HUP"), s -> handler.run());
        } catch (IllegalArgumentException e) {
            // no SIGHUP on this platform
        }
        return this;
    }

    /** Releases the barrier, as a signal would. @param why what asked for the stop, for the log. */
    public void stop(String why) {
        if (reason == null) {
            reason = why;
        }
        stop.countDown();
    }

    /** @return what asked for the stop, or null. */
    public String reason() {
        return reason;
    }

    /** @return true once a stop was asked for. */
    public boolean stopping() {
        return stop.getCount() == 0;
    }

    /** Blocks until a stop is asked for. @throws InterruptedException when interrupted. */
    public void await() throws InterruptedException {
        stop.await();
    }

    /**
     * @param timeout the longest wait.
     * @param unit    its unit.
     * @return true when a stop was asked for.
     * @throws InterruptedException when interrupted.
     */
    public boolean await(long timeout, TimeUnit unit) throws InterruptedException {
        return stop.await(timeout, unit);
    }
}
