package io.mproxy.dist;

import static org.assertj.core.api.Assertions.assertThat;

import io.mproxy.common.test.Await;
import io.mproxy.common.test.Binary;
import io.mproxy.common.test.BinaryProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The bundle as a user gets it: {@code target/mproxy-VERSION-linux-x64.tar.gz} unpacked into a directory whose path
 * has a space, every binary run through its launcher in {@code bin/}.
 */
class BundleTest {
    private static final String VERSION = System.getProperty("mproxy.version");
    private static final String ARCHIVED = "shared objects file";
    private static final String IDLE_ARCHIVED = "shared objects file (top)";
    /** A line of -Xlog:class+load: "[0.012s][info][class,load] java.lang.Object source: shared objects file". */
    private static final Pattern CLASS_LOAD = Pattern.compile("\\[class,load\\s*\\] (\\S+) source: (.+)$");

    @TempDir
    static Path unpacked;
    static Path home;

    @TempDir
    Path dir;

    @BeforeAll
    static void unpack() throws IOException, InterruptedException {
        Path bundle = Path.of(System.getProperty("mproxy.bundle"));
        Path into = Files.createDirectories(unpacked.resolve("install dir"));
        Process tar = new ProcessBuilder("tar", "-xzf", bundle.toString(), "-C", into.toString())
            .redirectErrorStream(true).start();
        String output = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(tar.waitFor(60, TimeUnit.SECONDS)).as("tar finished").isTrue();
        assertThat(tar.exitValue()).as(output).isZero();
        home = into.resolve("mproxy-" + VERSION);
    }

    static Stream<String> binaries() throws IOException {
        try (Stream<Path> launchers = Files.list(home.resolve("bin"))) {
            return launchers.map(p -> p.getFileName().toString()).sorted().toList().stream();
        }
    }

    /** The budget, in decimal megabytes as it states them: a guard against a bundle that quietly grows. */
    @Test
    void shouldStayWithinTheSizeBudget() throws IOException {
        long packed = Files.size(Path.of(System.getProperty("mproxy.bundle")));
        long unpackedBytes;
        try (Stream<Path> files = Files.walk(home)) {
            unpackedBytes = files.filter(Files::isRegularFile).mapToLong(BundleTest::size).sum();
        }
        assertThat(packed).as("tar.gz bytes").isLessThanOrEqualTo(25_000_000L);
        assertThat(unpackedBytes).as("unpacked bytes").isLessThanOrEqualTo(60_000_000L);
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void shouldHoldEveryPartWhenUnpacked() throws IOException {
        assertThat(binaries().toList()).contains("mproxy-client", "mproxy-server");
        for (String binary : binaries().toList()) {
            assertThat(home.resolve("share/man/man1/" + binary + ".1")).content().startsWith("'\\\" t")
                .contains(".TH \"" + binary.toUpperCase().replace("-", "\\-") + "\" \"1\"");
            assertThat(home.resolve("share/bash-completion/completions/" + binary)).content()
                .contains("complete -F _complete_" + binary + " -o default " + binary);
        }
        assertThat(home.resolve("README.md")).isNotEmptyFile();
        assertThat(home.resolve("LICENSE")).content().contains("Apache License", "Version 2.0, January 2004");
        assertThat(home.resolve("examples/systemd/mproxy-server.service")).content()
            .contains("Type=simple", "Restart=on-failure", "ExecReload=/bin/kill -HUP $MAINPID");
        assertThat(home.resolve("examples/systemd/relay.service")).content()
            .contains("Type=simple", "Restart=on-failure", "ExecReload=/bin/kill -HUP $MAINPID");
        assertThat(home.resolve("runtime/release")).content().contains("JAVA_VERSION=\"25");
        assertThat(home.resolve("lib/mproxy.jsa")).isNotEmptyFile();
        assertThat(home.resolve("lib/mproxy-idle.jsa")).isNotEmptyFile();
    }

    @ParameterizedTest
    @MethodSource("binaries")
    void shouldPrintVersionWithoutWarningsWhenStartedByLauncher(String binary) {
        BinaryProcess process = run(binary, List.of(launcher(binary).toString(), "--version"));
        assertThat(process.awaitExit()).as(process.stderr()).isZero();
        assertThat(new String(process.stdoutBytes(), StandardCharsets.UTF_8))
            .matches(binary + " " + VERSION.replace(".", "\\.") + " \\(Java 25[^)]*\\)\\n");
        assertThat(process.stderr()).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("binaries")
    void shouldPrintHelpWhenStartedByLauncher(String binary) {
        BinaryProcess process = run(binary, List.of(launcher(binary).toString(), "--help"));
        assertThat(process.awaitExit()).as(process.stderr()).isZero();
        assertThat(new String(process.stdoutBytes(), StandardCharsets.UTF_8))
            .startsWith("Usage: " + binary + " ").contains("-V, --version");
        assertThat(process.stderr()).isEmpty();
    }

    /** --version maps the --version archive alone, anything else the idle archive on top of it: both usable. */
    @ParameterizedTest
    @MethodSource("binaries")
    void shouldUseStartUpArchivesWhenSharingIsRequired(String binary) {
        for (String args : List.of("--version", "--help")) {
            BinaryProcess process = run(binary, List.of("env", "MPROXY_JAVA_OPTS=-Xshare:on",
                launcher(binary).toString(), args));
            assertThat(process.awaitExit()).as("-Xshare:on fails when an archive cannot be used: " + process.stderr())
                .isZero();
            assertThat(process.stderr()).isEmpty();
        }
    }

    /** --version costs no more than starting the JVM: every class it loads comes from the start-up archive. */
    @ParameterizedTest
    @MethodSource("binaries")
    void shouldLoadEveryClassOfVersionFromStartUpArchive(String binary) throws IOException {
        Path log = dir.resolve("classes.log");
        BinaryProcess process = runLoggingClasses(binary, log, "--version");
        assertThat(process.awaitExit()).as(process.stderr()).isZero();
        assertThat(classSources(log)).hasSizeGreaterThan(400)
            .allSatisfy((name, source) -> assertThat(source).as(name).isEqualTo(ARCHIVED));
    }

    /**
     * The idle archive holds what every binary loads until it is up (picocli's parser, logging, sockets), and leaves
     * out what only --help loads (picocli's help rendering), which would cost every idle process its pages.
     */
    @Test
    void shouldArchiveClassesOfRunningBinaryButNotThoseOfHelp() throws IOException {
        Path log = dir.resolve("server-classes.log");
        try (BinaryProcess server = BinaryProcess.launch(Binary.SERVER, dir, null, List.of("env",
            "MPROXY_JAVA_OPTS=" + classLoadLog(log), launcher("mproxy-server").toString(),
            "--listen-addr", "127.0.0.1:0", "--path", "/dev/null"))) {
            server.listeningPort();
            server.terminate();
            assertThat(server.awaitExit()).as(server.stderr()).isZero();
        }
        assertThat(classSources(log)).containsEntry("picocli.CommandLine$Model$CommandSpec", IDLE_ARCHIVED)
            .containsEntry("org.slf4j.simple.SimpleLogger", IDLE_ARCHIVED)
            .containsEntry("sun.nio.ch.DatagramChannelImpl", IDLE_ARCHIVED)
            .containsEntry("io.mproxy.common.net.EndpointParser", IDLE_ARCHIVED)
            .containsEntry("io.mproxy.server.ServerMain", ARCHIVED);

        Path helpLog = dir.resolve("help-classes.log");
        BinaryProcess help = runLoggingClasses("mproxy-server", helpLog, "--help");
        assertThat(help.awaitExit()).as(help.stderr()).isZero();
        assertThat(classSources(helpLog).get("picocli.CommandLine$Help$TextTable"))
            .matches("file:.*/lib/picocli-[0-9.]+\\.jar");
    }

    /**
     * The command line's model is built in code: reading picocli's annotations made the JDK generate a proxy class
     * per annotation type (13 in the server), interpreted, 80 ms of every start.
     */
    @ParameterizedTest
    @MethodSource("binaries")
    void shouldBuildCommandLineWithoutAnnotationProxies(String binary) throws IOException {
        Path log = dir.resolve("model-classes.log");
        BinaryProcess process = runLoggingClasses(binary, log, "--no-such-option");
        assertThat(process.awaitExit()).as(process.stderr()).isEqualTo(2);
        Map<String, String> classes = classSources(log);
        assertThat(classes).containsKey("picocli.CommandLine$Model$CommandSpec");
        assertThat(classes.keySet())
            .noneMatch(name -> name.contains("$Proxy") || name.equals("java.lang.reflect.ProxyGenerator"));
    }

    /**
     * A client that has nothing to say never starts the logging back end (its loggers are looked up at a first line):
     * that took 20 ms and 2.7 MB of every short transfer. --sndbuf 0 keeps the kernel's default, which is never
     * capped, so no warning is due.
     */
    @Test
    void shouldSendAFileWithoutStartingTheLoggingBackEnd() throws IOException {
        Path log = dir.resolve("client-classes.log");
        Path in = Files.writeString(dir.resolve("hello.txt"), "hello\n");
        BinaryProcess process = runLoggingClasses("mproxy-client", log, "--path", in.toString(), "--server-addr",
            "127.0.0.1:9", "--sndbuf", "0");
        assertThat(process.awaitExit()).as(process.stderr()).isZero();
        assertThat(process.stderr()).isEmpty();
        Map<String, String> classes = classSources(log);
        assertThat(classes).containsKey("io.mproxy.client.Client");
        assertThat(classes.keySet()).noneMatch(name -> name.startsWith("org.slf4j."));
    }

    @Test
    void shouldFindBundleWhenLauncherIsReachedThroughSymlinks() throws IOException {
        Path absolute = Files.createSymbolicLink(dir.resolve("client-link"), launcher("mproxy-client"));
        Path relative = Files.createSymbolicLink(dir.resolve("relative link"), dir.relativize(absolute));
        BinaryProcess process = run("mproxy-client", List.of(relative.toString(), "--version"));
        assertThat(process.awaitExit()).as(process.stderr()).isZero();
        assertThat(new String(process.stdoutBytes(), StandardCharsets.UTF_8)).startsWith("mproxy-client " + VERSION);
    }

    /**
     * The launcher finds the bundle without forking a dirname or a subshell for an absolute path, so every other form
     * a user types must still find it: relative from the bundle and from bin/, and bin/ itself reached through a
     * symlinked directory. -Xshare:on fails unless the archives and the class path they were dumped with are found.
     */
    @ParameterizedTest
    @ValueSource(strings = {"cd \"$1\" && exec bin/mproxy-client --help",
        "cd \"$1/bin\" && exec ./mproxy-client --help", "cd \"$1/bin\" && exec sh mproxy-client --help",
        "exec \"$2\"/mproxy-client --help"})
    void shouldFindBundleWhenLauncherIsCalledByRelativePathOrThroughSymlinkedBinDirectory(String script)
        throws IOException {
        Path linkedBin = Files.createSymbolicLink(dir.resolve("linked bin"), home.resolve("bin"));
        BinaryProcess process = run("mproxy-client", List.of("env", "MPROXY_JAVA_OPTS=-Xshare:on", "sh", "-c", script,
            "sh", home.toString(), linkedBin.toString()));
        assertThat(process.awaitExit()).as(process.stderr()).isZero();
        assertThat(new String(process.stdoutBytes(), StandardCharsets.UTF_8)).startsWith("Usage: mproxy-client ");
        assertThat(process.stderr()).isEmpty();
    }

    @Test
    void shouldExitWithUsageCodeWhenOptionIsUnknown() {
        BinaryProcess process = run("mproxy-client", List.of(launcher("mproxy-client").toString(),
            "--path", "-", "--bogus"));
        assertThat(process.awaitExit()).isEqualTo(2);
        assertThat(process.stderrLines()).containsExactly(
            "mproxy-client: Unknown option: '--bogus' (see 'mproxy-client --help')");
    }

    @Test
    void shouldTransferByteExactAndStopCleanlyOnSigtermWhenRunThroughLaunchers() throws IOException {
        byte[] input = lines(20_000);
        Path in = Files.write(dir.resolve("in.txt"), input);
        Path out = dir.resolve("out.txt");
        try (BinaryProcess server = BinaryProcess.launch(Binary.SERVER, dir, null, List.of(
            launcher("mproxy-server").toString(), "--listen-addr", "127.0.0.1:0", "--path", out.toString(),
            "--stats=3600"))) {
            int port = server.listeningPort();
            assertThat(ProcessHandle.of(server.pid()).flatMap(p -> p.info().command()))
                .as("the launcher execs the JVM: the process started is java itself")
                .hasValue(home.resolve("runtime/bin/java").toRealPath().toString());

            BinaryProcess client = run("mproxy-client", List.of(launcher("mproxy-client").toString(),
                "--path", in.toString(), "--server-addr", "127.0.0.1:" + port));
            assertThat(client.awaitExit()).as(client.stderr()).isZero();
            Await.until("all bytes in " + out, () -> out.toFile().length() == input.length);

            server.terminate();
            assertThat(server.awaitExit()).as(server.stderr()).isZero();
            assertThat(server.stderr()).contains("stopping (SIGTERM)",
                "total output " + out + ": datagrams out ", ", bytes out " + input.length + ", dropped 0, errors 0");
        }
        assertThat(Files.readAllBytes(out)).isEqualTo(input);
    }

    /** @return the JVM option that logs every class loaded, with where it came from, to {@code file} (no blanks). */
    private static String classLoadLog(Path file) {
        return "-Xlog:class+load=info:file=" + file;
    }

    /** @return class name -> source ("shared objects file", "jrt:/java.base", "file:/...jar") from a class+load log. */
    private static Map<String, String> classSources(Path log) throws IOException {
        Map<String, String> sources = new HashMap<>();
        for (String line : Files.readAllLines(log)) {
            Matcher matcher = CLASS_LOAD.matcher(line);
            if (matcher.find()) {
                sources.putIfAbsent(matcher.group(1), matcher.group(2));
            }
        }
        return sources;
    }

    private Path launcher(String binary) {
        return home.resolve("bin").resolve(binary);
    }

    /** Runs {@code binary}'s launcher with {@code args}, every class it loads logged to {@code log}. */
    private BinaryProcess runLoggingClasses(String binary, Path log, String... args) {
        List<String> command = new ArrayList<>(List.of("env", "MPROXY_JAVA_OPTS=" + classLoadLog(log),
            launcher(binary).toString()));
        command.addAll(List.of(args));
        return run(binary, command);
    }

    private BinaryProcess run(String binary, List<String> command) {
        Binary labelled = new Binary(binary, "(launcher)");
        BinaryProcess process = BinaryProcess.launch(labelled, dir, null, command);
        process.closeStdin();
        return process;
    }

    /** @return {@code count} numbered text lines, as the input of a transfer. */
    private static byte[] lines(int count) {
        return IntStream.range(0, count).mapToObj(i -> "line " + i + " of the bundle test\n")
            .collect(Collectors.joining()).getBytes(StandardCharsets.US_ASCII);
    }
}
