package io.mproxy.common.lifecycle;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGTERM and SIGINT release a barrier that {@code main} waits on, so the component is closed (flushed) and the
 * process exits 0; SIGHUP runs a handler (reopen files, reload config). A burst of SIGHUPs may arrive as one, so
 * handlers should set a flag rather than count.
 *
 * <p>A SIGTERM or SIGINT that comes before {@link #started} and is not followed by it within
 * {@value #START_GRACE_MILLIS} ms ends the process (exit 0, as for any stop by signal): starting may block where no
 * thread can be interrupted, in opening a FIFO whose other end nobody has opened, and then nothing has been read,
 * sent or written that a close would flush. Without this, a client reading a FIFO that has no writer, or a server
 * writing to one that has no reader, could be stopped only by SIGKILL. A start that was merely busy finishes well
 * within the grace and is stopped and flushed as usual.
 *
 * <p>A second SIGTERM or SIGINT while the component stops (after {@link #started}) ends the process at once with
 * {@value #FORCED_EXIT} and one line: the flush waits on an output that no longer takes data (a pipe whose reader
 * stopped reading, a peer that neither reads nor closes), and the user gives up on it, as on Ctrl-C pressed twice.
 * What was not yet written or sent is lost, so the exit code is not 0; the totals of the counters ({@link
 * #onForcedExit}) say how much came in against how much went out.
 */
public final class Signals {
    /** How long a stop signal waits for a start to finish before it ends the process. */
    public static final long START_GRACE_MILLIS = 2000;
    /** The exit code of a second stop signal, as of any runtime failure: data may have been lost. */
    public static final int FORCED_EXIT = 1;
    /** How long a second stop signal waits for the totals to be printed: stderr may be stuck too. */
    public static final long REPORT_MILLIS = 1000;
    private static final int STARTING = 0;
    private static final int RUNNING = 1;
    private static final int ABANDONED = 2;

    private final CountDownLatch stop = new CountDownLatch(1);
    private final AtomicInteger phase = new AtomicInteger(STARTING);
    private final CountDownLatch running = new CountDownLatch(1);
    private volatile String reason;
    private volatile Runnable forcedExitReport;

    /** Installs the TERM and INT handlers. @return the signals. */
    public static Signals install() {
        Signals signals = new Signals();
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), s -> signals.signalled("SIG" + name));
            } catch (IllegalArgumentException e) {
                // not on this platform
            }
        }
        return signals;
    }

    /**
     * Adds the SIGHUP handler. Where SIGHUP was ignored when the process started (under {@code nohup}, or from a
     * shell that ignores it) the JVM leaves it ignored and the handler never runs; that is logged as a warning, so
     * a logrotate that sends SIGHUP to a binary started with {@code nohup} is not silently without effect.
     *
     * @param effect  what SIGHUP does, for the warning: "reopen the output files".
     * @param handler runs on SIGHUP, on the signal dispatcher thread: keep it short.
     * @return this for a fluent API.
     */
    public Signals onHangup(String effect, Runnable handler) {
        try {
            if (Signal.handle(new Signal("HUP"), s -> handler.run()) == SignalHandler.SIG_IGN) {
                log().warn("SIGHUP was ignored when this process started (nohup?) and stays ignored: it will not {}; "
                    + "start it without nohup (setsid, systemd) to use SIGHUP", effect);
            }
        } catch (IllegalArgumentException e) {
            // no SIGHUP on this platform
        }
        return this;
    }

    /**
     * @param report prints the totals of the counters (what came in, what went out) when a second stop signal ends
     *               the process at once, so that what it loses is counted on stderr; it gets {@value #REPORT_MILLIS}
     *               ms on a thread of its own.
     * @return this for a fluent API.
     */
    public Signals onForcedExit(Runnable report) {
        forcedExitReport = report;
        return this;
    }

    /**
     * Marks the start finished: from now on SIGTERM and SIGINT only release the barrier, so the component is closed
     * and flushed. When a signal gave up on the start first, the process is exiting, and this blocks until it has.
     *
     * @throws InterruptedException when interrupted while the process exits.
     */
    public void started() throws InterruptedException {
        if (!phase.compareAndSet(STARTING, RUNNING)) {
            // The signal's thread is in System.exit, which does not wait for this thread: stay out of its way
            // rather than start the work the user asked to stop.
            new CountDownLatch(1).await();
        }
        running.countDown();
    }

    /** Runs on a thread of its own per signal, so it may wait for the start. */
    private void signalled(String why) {
        if (stopping() && phase.get() == RUNNING) {
            Runnable report = forcedExitReport;
            log().warn("{} while stopping ({}): exiting at once with {}; what was not yet written or sent is lost{}",
                why, reason, FORCED_EXIT, report == null ? "" : " (totals follow)");
            if (report != null) {
                try {
                    Thread.ofPlatform().daemon().name("forced-exit-report").start(report).join(REPORT_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            // halt, not exit: no shutdown hook may wait on the stuck flush again
            Runtime.getRuntime().halt(FORCED_EXIT);
        }
        stop(why);
        try {
            if (!running.await(START_GRACE_MILLIS, TimeUnit.MILLISECONDS) && phase.compareAndSet(STARTING, ABANDONED)) {
                log().info("stopping ({}) before the start finished: still blocked after {} ms (opening a FIFO that "
                    + "nobody opened at the other end?)", why, START_GRACE_MILLIS);
                System.exit(0);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The logger, looked up when a line is due: most runs never log here. */
    private static Logger log() {
        return LoggerFactory.getLogger(Signals.class);
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
