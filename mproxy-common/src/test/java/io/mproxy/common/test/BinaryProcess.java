package io.mproxy.common.test;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One binary running as a process, as a user runs it: {@code java -cp <the module's class path> <main> args}.
 * Its stdout and stderr go to files (no pipe can fill and block it); tests wait on what they say, with deadlines.
 *
 * <pre>{@code
 * try (BinaryProcess server = BinaryProcess.start(Binary.SERVER, dir, "--listen-addr", "127.0.0.1:0", "--path", out)) {
 *     int port = server.listeningPort();
 *     ...
 *     server.terminate();
 *     assertThat(server.awaitExit()).isZero();
 * }
 * }</pre>
 */
public final class BinaryProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on \\S+ \\((\\S+):(\\d+)\\)");
    /** The time and level slf4j-simple puts before each log event (see simplelogger.properties). */
    private static final Pattern LOG_PREFIX =
        Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\S+ (TRACE|DEBUG|INFO|WARN|ERROR) ");

    private final Binary binary;
    private final Process process;
    private final Path stdout;
    private final Path stderr;
    private final OutputStream stdin;

    private BinaryProcess(Binary binary, Process process, Path stdout, Path stderr) {
        this.binary = binary;
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
        this.stdin = process.getOutputStream();
    }

    /** Starts the binary with stdin from a pipe ({@link #stdin()}). */
    public static BinaryProcess start(Binary binary, Path dir, String... args) {
        return start(binary, dir, null, args);
    }

    /**
     * @param binary the binary.
     * @param dir    a directory for its stdout and stderr files.
     * @param input  a file for stdin, or null for a pipe.
     * @param args   its arguments.
     * @return the running process.
     */
    public static BinaryProcess start(Binary binary, Path dir, Path input, String... args) {
        return launch(binary, dir, input, command(binary, args));
    }

    /**
     * @param binary the binary.
     * @param args   its arguments.
     * @return the command line that runs it from the build's classes, for {@link #launch} behind a wrapper.
     */
    public static List<String> command(Binary binary, String... args) {
        List<String> command = new ArrayList<>(List.of(java(), "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "--enable-native-access=ALL-UNNAMED",
            "-cp", classPath(), binary.mainClass()));
        command.addAll(List.of(args));
        return command;
    }

    /**
     * Starts the binary by any command line, such as its launcher script in the bundle.
     *
     * @param binary  the binary (its name labels files and messages).
     * @param dir     a directory for its stdout and stderr files.
     * @param input   a file for stdin, or null for a pipe.
     * @param command the command line.
     * @return the running process.
     */
    public static BinaryProcess launch(Binary binary, Path dir, Path input, List<String> command) {
        try {
            Path out = Files.createTempFile(dir, binary.name() + "-", ".out");
            Path err = Files.createTempFile(dir, binary.name() + "-", ".err");
            ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(out.toFile()).redirectError(err.toFile());
            if (input != null) {
                builder.redirectInput(input.toFile());
            }
            return new BinaryProcess(binary, builder.start(), out, err);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Runs the binary to its end.
     *
     * @return the finished process.
     */
    public static BinaryProcess run(Binary binary, Path dir, String... args) {
        BinaryProcess process = start(binary, dir, args);
        process.closeStdin();
        process.awaitExit();
        return process;
    }

    private static String java() {
        String configured = System.getProperty("mproxy.java");
        return configured != null ? configured : Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static String classPath() {
        String surefire = System.getProperty("surefire.test.class.path");
        return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
    }

    /** @return the process's stdin (a pipe unless a file was given). */
    public OutputStream stdin() {
        return stdin;
    }

    /** Closes stdin: the process sees end of input. */
    public void closeStdin() {
        try {
            stdin.close();
        } catch (IOException e) {
            // already closed
        }
    }

    /** @return everything written to stdout so far. */
    public byte[] stdoutBytes() {
        try {
            return Files.readAllBytes(stdout);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return everything written to stderr so far. */
    public String stderr() {
        try {
            return Files.readString(stderr, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return stderr with the timestamp and level of log lines removed, each line trimmed. */
    public List<String> stderrLines() {
        return stderr().lines().map(l -> LOG_PREFIX.matcher(l).replaceFirst("").trim()).toList();
    }

    /**
     * @return the stderr lines that are not log events: the binary's own {@code name: message} error lines, stats
     *     lines, and anything else printed straight to stderr (a stack trace would show here).
     */
    public List<String> nonLogLines() {
        return stderr().lines().filter(l -> !LOG_PREFIX.matcher(l).lookingAt()).toList();
    }

    /**
     * Waits until stderr matches {@code regex}.
     *
     * @param regex a regular expression, found anywhere in stderr.
     * @return the match.
     */
    public Matcher awaitStderr(String regex) {
        Pattern pattern = Pattern.compile(regex);
        Matcher[] found = new Matcher[1];
        Await.until(binary.name() + " to print /" + regex + "/", () -> {
            Matcher m = pattern.matcher(stderr());
            if (m.find()) {
                found[0] = m;
                return true;
            }
            assertAlive(" before printing /" + regex + "/");
            return false;
        }, Await.DEFAULT, () -> "stderr:\n" + stderr());
        return found[0];
    }

    /** @return the port of the first "listening on" line (waits for it). */
    public int listeningPort() {
        return listeningPorts(1).get(0);
    }

    /**
     * @param count how many listeners to wait for.
     * @return the ports of the first {@code count} "listening on" lines, in order.
     */
    public List<Integer> listeningPorts(int count) {
        List<Integer> ports = new ArrayList<>();
        Await.until(binary.name() + " to listen on " + count + " addresses", () -> {
            ports.clear();
            Matcher m = LISTENING.matcher(stderr());
            while (m.find()) {
                ports.add(Integer.parseInt(m.group(2)));
            }
            assertAlive("");
            return ports.size() >= count;
        }, Await.DEFAULT, () -> "stderr:\n" + stderr());
        return List.copyOf(ports.subList(0, count));
    }

    /**
     * Waits until one of the process's threads is blocked in the kernel opening a FIFO whose other end nobody has
     * opened ({@code wait_for_partner} in {@code /proc/PID/task/TID/wchan}).
     */
    public void awaitBlockedOpeningFifo() {
        Await.until(binary.name() + " blocked opening a FIFO", () -> {
            assertAlive("");
            return anyThreadWaitingIn("wait_for_partner");
        }, Await.DEFAULT, () -> "stderr:\n" + stderr());
    }

    private boolean anyThreadWaitingIn(String kernelFunction) {
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(process.pid()), "task"))) {
            return tasks.anyMatch(task -> {
                try {
                    return Files.readString(task.resolve("wchan")).equals(kernelFunction);
                } catch (IOException e) {
                    return false; // the thread ended meanwhile
                }
            });
        } catch (IOException e) {
            return false; // the process ended meanwhile: the caller's next look says so
        }
    }

    /**
     * Sends SIGSTOP and waits until every thread of the process has stopped: kill returns before they have, and a
     * thread that data woke in a receive call still takes that data before it stops.
     */
    public void stop() {
        signal("STOP");
        Await.until(binary.name() + " stopped", () -> {
            assertAlive("");
            return everyThreadStopped();
        }, Await.DEFAULT, () -> "stderr:\n" + stderr());
    }

    private boolean everyThreadStopped() {
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(process.pid()), "task"))) {
            return tasks.allMatch(task -> {
                try {
                    // the state follows the command name, which is in parentheses and may hold any character
                    String stat = Files.readString(task.resolve("stat"));
                    char state = stat.charAt(stat.lastIndexOf(')') + 2);
                    return state == 'T' || state == 't' || state == 'Z' || state == 'X';
                } catch (IOException e) {
                    return true; // the thread ended meanwhile
                }
            });
        } catch (IOException e) {
            return false; // the process ended meanwhile: the caller's next look says so
        }
    }

    /** Sends SIGTERM. */
    public void terminate() {
        process.destroy();
    }

    /** @param signal a signal name such as {@code HUP}. */
    public void signal(String signal) {
        Commands.run("kill", "-" + signal, Long.toString(process.pid()));
    }

    /** @return the exit code, waiting up to {@link Await#DEFAULT}. */
    public int awaitExit() {
        return awaitExit(Await.DEFAULT);
    }

    /** @param deadline the longest wait. @return the exit code. */
    public int awaitExit(Duration deadline) {
        try {
            if (!process.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(binary.name() + " did not exit within " + deadline + "; stderr:\n" + stderr());
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Fails a wait whose process has exited, with its exit code and stderr. @param when what it exited before. */
    private void assertAlive(String when) {
        if (!process.isAlive()) {
            throw new AssertionError(binary.name() + " exited with " + process.exitValue() + when + "; stderr:\n"
                + stderr());
        }
    }

    /** @return true while the process runs. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /** @return the process id. */
    public long pid() {
        return process.pid();
    }

    /** Kills the process if it still runs. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** @return a file in {@code dir} named {@code name}, as a string argument. */
    public static String arg(Path dir, String name) {
        return dir.resolve(name).toString();
    }

    @Override
    public String toString() {
        return binary.name() + " pid " + process.pid();
    }

}
