package io.mproxy.common.cli;

/** The exit codes of every binary. */
public final class ExitCodes {
    /** Success, including a stop by SIGTERM or SIGINT. */
    public static final int OK = 0;
    /** A runtime failure: a file that cannot be read or written, a port in use, an unknown host... */
    public static final int FAILURE = 1;
    /** Bad usage: an unknown option, a malformed value, a missing required option. */
    public static final int USAGE = 2;

    private ExitCodes() {
    }
}
