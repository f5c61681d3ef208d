package io.mproxy.common.cli;

import picocli.CommandLine.Option;

/** {@code -v/--verbose}: debug logging and stack traces with errors (read early by {@link Cli}). */
public final class VerboseOption {
    @Option(names = {"-v", "--verbose"}, description = "Log debug detail, and stack traces with errors.")
    boolean verbose;

    /** @return true when verbose. */
    public boolean verbose() {
        return verbose;
    }
}
