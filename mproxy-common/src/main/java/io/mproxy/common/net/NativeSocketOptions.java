package io.mproxy.common.net;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.channels.Channel;
import java.nio.channels.NetworkChannel;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What NIO cannot do with a socket, through the foreign function API on Linux: integer socket options it does not
 * offer (TCP_CORK, SO_RCVBUFFORCE) and sending an empty datagram (NIO's write and send skip empty buffers). The
 * descriptor is found by {@link SocketDescriptors}, without JDK internals. Elsewhere {@link #isAvailable()} is false
 * and every call returns false: callers fall back to portable behaviour.
 */
public final class NativeSocketOptions {
    /** SOL_SOCKET on Linux. */
    public static final int SOL_SOCKET = 1;
    /** SOL_TCP on Linux. */
    public static final int SOL_TCP = 6;
    /** SO_RCVBUFFORCE: SO_RCVBUF past net.core.rmem_max, for CAP_NET_ADMIN. */
    public static final int SO_RCVBUFFORCE = 33;
    /** TCP_CORK. */
    public static final int TCP_CORK = 3;
    private static final int SO_RCVTIMEO = 20;

    private static final Logger LOG = LoggerFactory.getLogger(NativeSocketOptions.class);
    private static final MethodHandle SETSOCKOPT;
    private static final MethodHandle SEND;

    static {
        MethodHandle setsockopt = null;
        MethodHandle send = null;
        if (System.getProperty("os.name", "").startsWith("Linux")) {
            try {
                Linker linker = Linker.nativeLinker();
                Optional<MemorySegment> symbol = linker.defaultLookup().find("setsockopt");
                if (symbol.isPresent()) {
                    setsockopt = linker.downcallHandle(symbol.get(),
                        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
                }
                send = linker.downcallHandle(linker.defaultLookup().findOrThrow("send"),
                    FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
            } catch (RuntimeException | LinkageError e) {
                LOG.debug("native socket options unavailable: {}", e.toString());
                setsockopt = null;
                send = null;
            }
        }
        SETSOCKOPT = setsockopt;
        SEND = send;
    }

    private NativeSocketOptions() {
    }

    /** @return true when options can be set here (Linux, FFM enabled). */
    public static boolean isAvailable() {
        return SETSOCKOPT != null && SocketDescriptors.isAvailable();
    }

    /**
     * @param channel an open NIO socket channel.
     * @return its descriptor, or -1 when it cannot be reached.
     */
    public static int descriptor(Channel channel) {
        return isAvailable() && channel instanceof NetworkChannel network ? SocketDescriptors.find(network) : -1;
    }

    /**
     * @param fd     a socket descriptor from {@link #descriptor}, or -1.
     * @param level  the option's level, e.g. {@link #SOL_TCP}.
     * @param option the option, e.g. {@link #TCP_CORK}.
     * @param value  its integer value.
     * @return true when the kernel took it.
     */
    public static boolean setInt(int fd, int level, int option, int value) {
        if (fd < 0 || SETSOCKOPT == null) {
            return false;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cell = arena.allocate(JAVA_INT);
            cell.set(JAVA_INT, 0, value);
            return (int) SETSOCKOPT.invokeExact(fd, level, option, cell, (int) JAVA_INT.byteSize()) == 0;
        } catch (Throwable e) {
            return false;
        }
    }

    /**
     * Makes a blocking receive on the socket give up after a while ({@code SO_RCVTIMEO}), so that a thread waiting in
     * a native receive notices a stop request without anyone closing the socket under it.
     *
     * @param fd     a socket's descriptor from {@link #descriptor}, or -1.
     * @param millis the longest wait.
     * @return true when the kernel took it.
     */
    public static boolean setReceiveTimeout(int fd, long millis) {
        if (fd < 0 || SETSOCKOPT == null) {
            return false;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment timeval = arena.allocate(16, 8);
            timeval.set(JAVA_LONG, 0, millis / 1000);
            timeval.set(JAVA_LONG, 8, millis % 1000 * 1000);
            return (int) SETSOCKOPT.invokeExact(fd, SOL_SOCKET, SO_RCVTIMEO, timeval, 16) == 0;
        } catch (Throwable e) {
            return false;
        }
    }

    /**
     * Sends an empty datagram on a connected datagram socket.
     *
     * @param fd a connected datagram socket's descriptor from {@link #descriptor}, or -1.
     * @return true when the kernel took it.
     */
    public static boolean sendEmpty(int fd) {
        if (fd < 0 || SEND == null) {
            return false;
        }
        try {
            return (long) SEND.invokeExact(fd, MemorySegment.NULL, 0L, 0) == 0L;
        } catch (Throwable e) {
            return false;
        }
    }
}
