package io.mproxy.common.net;

/**
 * A well-formed endpoint whose host name does not resolve. Unlike other {@link InvalidEndpointException}s this is a
 * runtime failure (exit 1), not bad usage: the name may be right and the resolver down.
 */
public final class UnresolvedHostException extends InvalidEndpointException {
    private static final long serialVersionUID = 1L;

    /** @param message names the host and the endpoint it came from. */
    public UnresolvedHostException(String message) {
        super(message);
    }
}
