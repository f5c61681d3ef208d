package io.mproxy.common.net;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.reflect.Method;
import java.nio.channels.Channel;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Integer socket options that NIO does not offer (TCP_CORK, SO_RCVBUFFORCE), set with {@code setsockopt} through the
 * foreign function API on Linux. The descriptor comes from {@code sun.nio.ch.SelChImpl.getFDVal()}, which needs
 * {@code --add-exports java.base/sun.nio.ch=ALL-UNNAMED} (the binaries' jars and launchers carry it). Where either is
 * missing, {@link #isAvailable()} is false and every set returns false: callers fall back to portable behaviour.
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

    private static final Logger LOG = LoggerFactory.getLogger(NativeSocketOptions.class);
    private static final MethodHandle SETSOCKOPT;
    private static final Method GET_FD;

    static {
        MethodHandle setsockopt = null;
        Method getFd = null;
        if (System.getProperty("os.name", "").startsWith("Linux")) {
            try {
                Linker linker = Linker.nativeLinker();
                Optional<MemorySegment> symbol = linker.defaultLookup().find("setsockopt");
                if (symbol.isPresent()) {
                    setsockopt = linker.downcallHandle(symbol.get(),
                        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
                }
                getFd = Class.forName("sun.nio.ch.SelChImpl").getMethod("getFDVal");
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                LOG.debug("native socket options unavailable: {}", e.toString());
                setsockopt = null;
                getFd = null;
            }
        }
        SETSOCKOPT = setsockopt;
        GET_FD = getFd;
    }

    private NativeSocketOptions() {
    }

    /** @return true when options can be set here (Linux, FFM enabled, sun.nio.ch exported). */
    public static boolean isAvailable() {
        return SETSOCKOPT != null && GET_FD != null;
    }

    /**
     * @param channel an open NIO socket channel.
     * @return its descriptor, or -1 when it cannot be reached.
     */
    public static int descriptor(Channel channel) {
        if (!isAvailable()) {
            return -1;
        }
        try {
            return (int) GET_FD.invoke(channel);
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.debug("no descriptor for {}: {}", channel, e.toString());
            return -1;
        }
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
}
