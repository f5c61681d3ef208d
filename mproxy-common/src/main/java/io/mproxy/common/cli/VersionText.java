package io.mproxy.common.cli;

/**
 * The toolkit's version and the {@code --version} line; free of picocli so the fast path loads nothing else. No
 * string concatenation with {@code +}: its invokedynamic bootstrap would spin classes on the fast path.
 */
public final class VersionText {
    private VersionText() {
    }

    /** @return the toolkit's version, from the build. */
    public static String version() {
        return BuildVersion.VERSION;
    }

    /** @param binary the binary's name. @return e.g. {@code mproxy-client 0.1.0 (Java 25.0.3+9-LTS)}. */
    public static String line(String binary) {
        return new StringBuilder(64).append(binary).append(' ').append(version()).append(" (Java ")
            .append(System.getProperty("java.runtime.version")).append(')').toString();
    }
}
