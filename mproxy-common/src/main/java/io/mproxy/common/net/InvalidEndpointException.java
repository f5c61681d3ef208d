package io.mproxy.common.net;

/** An endpoint that cannot be parsed or resolved; the message names the value and what is expected. */
public class InvalidEndpointException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** @param message names the bad value and what is expected. */
    public InvalidEndpointException(String message) {
        super(message);
    }
}
