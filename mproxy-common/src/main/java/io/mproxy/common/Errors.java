package io.mproxy.common;

import java.net.PortUnreachableException;
import java.net.SocketException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/** Turns exceptions into the short reasons shown to users. */
public final class Errors {
    private Errors() {
    }

    /**
     * @param e an exception.
     * @return a short reason: for file errors the OS's words without the path, else the message or the type.
     */
    public static String describe(Throwable e) {
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException fs && fs.getReason() != null) {
            return fs.getReason().toLowerCase(java.util.Locale.ROOT);
        }
        if (e instanceof PortUnreachableException) {
            return "port unreachable (nothing listens there)";
        }
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            return e.getClass().getSimpleName();
        }
        // The JDK's socket errors are the OS's words in sentence case ("Address already in use"); they follow a
        // colon in our messages, so lower-case them like the file errors above.
        if (e instanceof SocketException && message.length() > 1 && Character.isLowerCase(message.charAt(1))) {
            return Character.toLowerCase(message.charAt(0)) + message.substring(1);
        }
        return message;
    }

    /**
     * @param e a write error.
     * @return true when the reader of a pipe went away (EPIPE), which the JDK reports only in the message.
     */
    public static boolean isBrokenPipe(java.io.IOException e) {
        return String.valueOf(e.getMessage()).contains("Broken pipe");
    }
}
