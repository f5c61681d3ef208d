package io.mproxy.common.cli;

import picocli.CommandLine.IVersionProvider;

/** {@code --version}: the binary's name, the toolkit's version and the Java runtime. */
final class VersionProvider implements IVersionProvider {
    private final String name;

    VersionProvider(String name) {
        this.name = name;
    }

    @Override
    public String[] getVersion() {
        return new String[] {VersionText.line(name)};
    }
}
