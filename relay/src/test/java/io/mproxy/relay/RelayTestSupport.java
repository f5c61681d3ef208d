package io.mproxy.relay;

import io.mproxy.common.test.Await;
import io.mproxy.common.test.Binary;
import io.mproxy.common.test.BinaryProcess;
import io.mproxy.common.test.TestFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Starting relays as processes and reading what they report. */
final class RelayTestSupport {
    private RelayTestSupport() {
    }

    /** Starts a relay with {@code args} and the given tunables (each NAME=VALUE as --set). */
    static BinaryProcess start(Path dir, List<String> sets, String... args) {
        List<String> all = new ArrayList<>(List.of("--stats=0"));
        for (String set : sets) {
            all.add("--set");
            all.add(set);
        }
        all.addAll(List.of(args));
        return BinaryProcess.start(Binary.RELAY, dir, all.toArray(String[]::new));
    }

    /** @return every *.spill file under {@code dir}. */
    static List<Path> spillFiles(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(f -> f.toString().endsWith(".spill")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return total bytes of the spill files under {@code dir}. */
    static long spillBytes(Path dir) {
        return spillFiles(dir).stream().mapToLong(TestFiles::size).sum();
    }

    /** @return the bytes {@code packet from..to-1} take in spill files (length, payload, checksum each). */
    static long spillBytesOf(int from, int to) {
        long total = 0;
        for (int i = from; i < to; i++) {
            total += Packets.text(i).length() + 8;
        }
        return total;
    }

    /**
     * @param relay   a stopped relay run with --stats.
     * @param name    the component, e.g. {@code tcp@127.0.0.1:4000}.
     * @param counter the counter's label, e.g. {@code spilled}.
     * @return its value in the exit summary.
     */
    static long total(BinaryProcess relay, String name, String counter) {
        Matcher line = Pattern.compile("total " + Pattern.quote(name) + ":(.*)").matcher(relay.stderr());
        if (!line.find()) {
            throw new AssertionError("no summary for " + name + " in:\n" + relay.stderr());
        }
        Matcher value = Pattern.compile("(?:^|, | )" + Pattern.quote(counter) + " (\\d+)").matcher(line.group(1));
        if (!value.find()) {
            throw new AssertionError("no " + counter + " in " + line.group());
        }
        return Long.parseLong(value.group(1));
    }

    /** Waits until the relay has logged that {@code spec} lost its connection. */
    static void awaitLost(BinaryProcess relay, String spec, int times) {
        Await.until(spec + " lost " + times + " time(s)", () -> count(relay.stderr(),
            Pattern.quote(spec) + ": lost connection") >= times, Await.DEFAULT, relay::stderr);
    }

    static int count(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }
}
