package io.mproxy.dist.build;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import picocli.CommandLine.Model.CommandSpec;

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
     * @return the model of this binary's command line, as its {@code --help} shows it: built by the one class in its
     *     jar that implements {@code io.mproxy.common.cli.BinaryCommand}, through {@code CommandModel.model}.
     */
    CommandSpec commandSpec(ClassLoader loader) throws IOException, ReflectiveOperationException {
        Class<?> commandType = Class.forName("io.mproxy.common.cli.BinaryCommand", false, loader);
        List<Class<?>> found = new ArrayList<>();
        try (JarFile file = new JarFile(jar.toFile())) {
            for (JarEntry entry : Collections.list(file.entries())) {
                String entryName = entry.getName();
                if (!entryName.endsWith(".class") || entryName.contains("-")) {
                    continue;
                }
                String className = entryName.substring(0, entryName.length() - ".class".length()).replace('/', '.');
                Class<?> type = Class.forName(className, false, loader);
                if (commandType.isAssignableFrom(type) && !type.isInterface()) {
                    found.add(type);
                }
            }
        }
        if (found.size() != 1) {
            throw new IllegalStateException(jar + ": expected one class implementing " + commandType.getName()
                + ", found " + found);
        }
        Object command = found.get(0).getDeclaredConstructor().newInstance();
        Method model = Class.forName("io.mproxy.common.cli.CommandModel", true, loader).getMethod("model", commandType);
        CommandSpec spec = (CommandSpec) model.invoke(null, command);
        if (!spec.name().equals(name)) {
            throw new IllegalStateException(found.get(0) + " is named " + spec.name() + ", its jar says " + name);
        }
        return spec;
    }
}
