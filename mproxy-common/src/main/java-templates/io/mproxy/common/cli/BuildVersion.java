package io.mproxy.common.cli;

/**
 * The toolkit's version, written into this source by the build (Maven resource filtering). A compile-time constant:
 * {@code --version} reads no resource, so the JVM never opens a jar for it (that cost 5 ms of a 33 ms start).
 */
final class BuildVersion {
    /** The project version, e.g. {@code 0.1.0}. */
    static final String VERSION = "${project.version}";

    private BuildVersion() {
    }
}
