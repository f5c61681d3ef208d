package io.mproxy.common.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

/** The short system commands a test needs (kill, mkfifo): run to their end, and a non-zero exit fails the test. */
public final class Commands {
    private Commands() {
    }

    /** @param command the command and its arguments; its output goes to the test's own. */
    public static void run(String... command) {
        try {
            Process process = new ProcessBuilder(command).inheritIO().start();
            if (process.waitFor() != 0) {
                throw new AssertionError(String.join(" ", Arrays.asList(command)) + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
