package io.mproxy.common.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code --version}: the binary's name, the toolkit's version and the Java runtime. */
public final class VersionProvider implements IVersionProvider {
    @Spec
    CommandSpec spec;

    /** @return the toolkit's version, from the build. */
    public static String version() {
        Properties properties = new Properties();
        try (InputStream in = VersionProvider.class.getResourceAsStream("/io/mproxy/common/version.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            // fall through to "unknown"
        }
        return properties.getProperty("version", "unknown");
    }

    @Override
    public String[] getVersion() {
        return new String[] {spec.name() + " " + version() + " (Java " + Runtime.version() + ")"};
    }
}
