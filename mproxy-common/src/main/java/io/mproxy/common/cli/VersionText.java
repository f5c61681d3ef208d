package io.mproxy.common.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The toolkit's version and the {@code --version} line; free of picocli so the fast path loads nothing else. */
public final class VersionText {
    private VersionText() {
    }

    /** @return the toolkit's version, from the build. */
    public static String version() {
        Properties properties = new Properties();
        try (InputStream in = VersionText.class.getResourceAsStream("/io/mproxy/common/version.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            // fall through to "unknown"
        }
        return properties.getProperty("version", "unknown");
    }

    /** @param binary the binary's name. @return e.g. {@code mproxy-client 0.1.0 (Java 25.0.3+9-LTS)}. */
    public static String line(String binary) {
        return binary + " " + version() + " (Java " + Runtime.version() + ")";
    }
}
