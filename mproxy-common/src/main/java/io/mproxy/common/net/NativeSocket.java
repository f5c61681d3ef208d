package io.mproxy.common.net;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.invoke.MethodHandle;
import java.nio.channels.NetworkChannel;

/**
 * A descriptor of its own for a channel's socket (a {@code dup}), for native calls that block, such as a
 * {@link DatagramBatch} receive. The JDK wakes a thread blocked in its own I/O when the channel closes, but not one
 * blocked in a native call it does not know of, and a descriptor number closed under such a call can be reused by
 * the next socket opened. So: {@link #shutdownInput()} wakes the blocked receive (the kernel wakes the readers of a
 * socket whose reading side is shut, even an unconnected UDP one), the channel is closed as usual once the reader
 * has stopped, and {@link #close()} closes this descriptor last. Linux only: {@link #duplicate} returns null elsewhere.
 */
public final class NativeSocket implements AutoCloseable {
    private static final int SHUT_RD = 0;
    private static final MethodHandle DUP = LinuxDowncalls.find("dup", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle SHUTDOWN = LinuxDowncalls.find("shutdown",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle CLOSE = LinuxDowncalls.find("close",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    private final int fd;
    private boolean closed;

    private NativeSocket(int fd) {
        this.fd = fd;
    }

    /**
     * @param channel an open, bound socket channel (it keeps its own descriptor).
     * @return a second descriptor of its socket, or null when there is none to be had here.
     */
    public static NativeSocket duplicate(NetworkChannel channel) {
        int original = NativeSocketOptions.descriptor(channel);
        if (DUP == null || original < 0) {
            return null;
        }
        try {
            int fd = (int) DUP.invokeExact(original);
            return fd < 0 ? null : new NativeSocket(fd);
        } catch (Throwable e) {
            return null;
        }
    }

    /** @return the descriptor, open until {@link #close()}. */
    public int fd() {
        return fd;
    }

    /** Shuts the socket's reading side: a receive blocked on it (through any descriptor) returns. */
    public synchronized void shutdownInput() {
        if (closed) {
            return;
        }
        try {
            // ENOTCONN for an unconnected UDP socket, yet the kernel marks it shut and wakes its readers
            int ignored = (int) SHUTDOWN.invokeExact(fd, SHUT_RD);
        } catch (Throwable e) {
            // nothing more to do: the caller closes anyway
        }
    }

    /** Closes this descriptor (the socket lives on while its channel is open). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable e) {
            // a close that fails leaves nothing to undo
        }
    }
}
