package io.mproxy.dist.build;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import picocli.CommandLine.Command;

/**
 * A binary of the toolkit as its jar declares it: {@code mproxy-binary.properties} ({@code name=}) and the
 * manifest's {@code Main-Class}, both written by the parent POM's {@code binary} profile.
 *
 * @param name      the command name, also the launcher's name.
 * @param mainClass the class whose {@code main} runs it.
 * @param jar       the jar it is in.
 */
record Binary(String name, String mainClass, Path jar) {
    private static final String MARKER = "mproxy-binary.properties";

    /** @return the binaries among {@code jars}, by name. */
    static List<Binary> findIn(List<Path> jars) throws IOException {
        List<Binary> binaries = new ArrayList<>();
        for (Path jar : jars) {
            try (JarFile file = new JarFile(jar.toFile())) {
                JarEntry marker = file.getJarEntry(MARKER);
                if (marker == null) {
                    continue;
                }
                Properties properties = new Properties();
                try (InputStream in = file.getInputStream(marker)) {
                    properties.load(in);
                }
                Manifest manifest = file.getManifest();
                String main = manifest == null ? null : manifest.getMainAttributes().getValue("Main-Class");
                String name = properties.getProperty("name");
                if (name == null || main == null) {
                    throw new IllegalStateException(jar + ": a binary jar needs name= in " + MARKER
                        + " and a Main-Class in its manifest");
                }
                binaries.add(new Binary(name, main, jar));
            }
        }
        binaries.sort(Comparator.comparing(Binary::name));
        return Collections.unmodifiableList(binaries);
    }

    /**
     * @param loader a class loader over every bundled jar.
     * @return the picocli command class of this binary: the one in its jar annotated {@code @Command(name = NAME)}.
     */
    Class<?> commandClass(ClassLoader loader) throws IOException, ClassNotFoundException {
        List<Class<?>> found = new ArrayList<>();
        try (JarFile file = new JarFile(jar.toFile())) {
            for (JarEntry entry : Collections.list(file.entries())) {
                String entryName = entry.getName();
                if (!entryName.endsWith(".class") || entryName.contains("-")) {
                    continue;
                }
                String className = entryName.substring(0, entryName.length() - ".class".length()).replace('/', '.');
                Class<?> type = Class.forName(className, false, loader);
                Command command = type.getAnnotation(Command.class);
                if (command != null && command.name().equals(name)) {
                    found.add(type);
                }
            }
        }
        if (found.size() != 1) {
            throw new IllegalStateException(jar + ": expected one class annotated @Command(name = \"" + name
                + "\"), found " + found);
        }
        return found.get(0);
    }
}
