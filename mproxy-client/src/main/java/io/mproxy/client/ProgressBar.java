package io.mproxy.client;

import io.mproxy.common.stats.StatsReporter;
import java.io.PrintStream;
import java.util.Locale;

/** A one-line progress bar on a terminal: bytes, percent, rate and time left, redrawn at most 5 times a second. */
final class ProgressBar {
    private static final long REDRAW_NANOS = 200_000_000L;
    private static final int WIDTH = 30;

    private final PrintStream out;
    private final long total;
    private final long start = System.nanoTime();
    private long lastDraw = start - REDRAW_NANOS;

    ProgressBar(PrintStream out, long total) {
        this.out = out;
        this.total = total;
    }

    void update(long done) {
        long now = System.nanoTime();
        if (now - lastDraw >= REDRAW_NANOS) {
            lastDraw = now;
            draw(done, now, false);
        }
    }

    void finish(long done) {
        draw(done, System.nanoTime(), true);
    }

    private void draw(long done, long now, boolean last) {
        double seconds = Math.max(1e-3, (now - start) / 1e9);
        double rate = done / seconds;
        double fraction = total > 0 ? Math.min(1.0, (double) done / total) : 1.0;
        int filled = (int) (fraction * WIDTH);
        long eta = rate > 0 && total > done ? (long) ((total - done) / rate) : 0;
        String line = String.format(Locale.ROOT, "\r[%s%s] %5.1f%% %sB of %sB %s ETA %d:%02d ",
            "#".repeat(filled), " ".repeat(WIDTH - filled), fraction * 100, StatsReporter.human(done),
            StatsReporter.human(total), StatsReporter.bytesPerSecond(rate), eta / 60, eta % 60);
        out.print(line);
        if (last) {
            out.println();
        }
        out.flush();
    }

    /** @return true when stderr is a terminal (Linux: fd 2 links to a tty or pty). */
    static boolean stderrIsTerminal() {
        try {
            String target = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (java.io.IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
