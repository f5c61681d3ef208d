package io.mproxy.common.test;

import io.mproxy.common.net.ThreadPriority;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/** Threads' nice values as Linux shows them in /proc, for tests of receiving threads' priority. */
public final class ThreadNice {
    private ThreadNice() {
    }

    /**
     * @return whether a thread of this process may lower its nice value (tried on a thread of its own, which ends).
     * @throws InterruptedException if interrupted while waiting for the probe.
     */
    public static boolean mayRaisePriority() throws InterruptedException {
        AtomicBoolean permitted = new AtomicBoolean();
        Thread probe = Thread.ofPlatform().start(() -> permitted.set(ThreadPriority.setNice(-1)));
        probe.join();
        return permitted.get();
    }

    /**
     * @param pid    a process ({@code self} for this one: pass -1).
     * @param prefix the start of the thread's name as /proc keeps it (15 characters at most).
     * @return the nice value of the first thread whose name starts so, if there is one.
     */
    public static OptionalInt ofThread(long pid, String prefix) {
        Path taskDir = Path.of("/proc/" + (pid < 0 ? "self" : Long.toString(pid)) + "/task");
        try (Stream<Path> tasks = Files.list(taskDir)) {
            return tasks.filter(task -> read(task.resolve("comm")).startsWith(prefix))
                .mapToInt(task -> of(task.resolve("stat"))).findFirst();
        } catch (IOException e) {
            return OptionalInt.empty();
        }
    }

    /** @param stat a /proc .../stat file. @return its nice value (field 19). */
    public static int of(Path stat) {
        String text = read(stat);
        // the fields after the ")" that ends the name: state is field 3, nice field 19
        String[] fields = text.substring(text.lastIndexOf(')') + 2).split(" ");
        return Integer.parseInt(fields[19 - 3]);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }
}
