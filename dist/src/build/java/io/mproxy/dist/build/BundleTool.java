package io.mproxy.dist.build;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The Java half of {@code dist/build-bundle.sh}, run once per build with the JDK's source launcher:
 * copies the toolkit's jars into the bundle (upgrading old class files, see {@link ClassFileUpgrade}), lists the
 * binaries it finds in them, and writes each binary's man page and bash completion script.
 *
 * <pre>{@code java -cp TOOLS BundleTool.java JARS_DIR LIB_DIR BINARIES_FILE MAN_DIR COMPLETION_DIR VERSION}</pre>
 */
public final class BundleTool {
    private BundleTool() {
    }

    /** @param args see the class comment. */
    public static void main(String[] args) throws IOException, ReflectiveOperationException {
        if (args.length != 6) {
            throw new IllegalArgumentException("usage: BundleTool JARS LIB BINARIES MAN COMPLETION VERSION");
        }
        Path jars = Path.of(args[0]);
        Path lib = Files.createDirectories(Path.of(args[1]));
        Path binariesFile = Path.of(args[2]);
        Path man = Files.createDirectories(Path.of(args[3]));
        Path completion = Files.createDirectories(Path.of(args[4]));
        String version = args[5];

        List<Path> bundled = new ArrayList<>();
        for (Path jar : list(jars)) {
            Path target = lib.resolve(jar.getFileName());
            int upgraded = ClassFileUpgrade.copy(jar, target);
            if (upgraded > 0) {
                System.out.println("bundle: " + jar.getFileName() + ": " + upgraded
                    + " class files upgraded to version 52 (Java 8) for the start-up archive");
            }
            bundled.add(target);
        }
        List<Binary> binaries = Binary.findIn(bundled);
        if (binaries.isEmpty()) {
            throw new IllegalStateException("no binary (a jar with mproxy-binary.properties) in " + jars);
        }
        StringBuilder list = new StringBuilder();
        URL[] urls = new URL[bundled.size()];
        for (int i = 0; i < urls.length; i++) {
            urls[i] = bundled.get(i).toUri().toURL();
        }
        try (URLClassLoader loader = new URLClassLoader(urls, BundleTool.class.getClassLoader())) {
            CommandDocs docs = new CommandDocs(version);
            try {
                for (Binary binary : binaries) {
                    list.append(binary.name()).append('\t').append(binary.mainClass()).append('\n');
                    CommandSpec command = binary.commandSpec(loader);
                    docs.write(binary.name(), command, man, completion);
                    System.out.println("bundle: " + binary.name() + " (" + binary.mainClass() + ", command "
                        + command.userObject().getClass().getName() + ")");
                }
            } finally {
                docs.close();
            }
        }
        Files.writeString(binariesFile, list);
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".jar")).sorted().toList();
        }
    }
}
