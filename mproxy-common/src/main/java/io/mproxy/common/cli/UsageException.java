package io.mproxy.common.cli;

/** Bad usage found after parsing (a missing or conflicting option); exits 2 with its message. */
public final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message names the option to change. */
    public UsageException(String message) {
        super(message);
    }
}
