package io.mproxy.common.tcp;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.reflect.Method;
import java.nio.channels.SocketChannel;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TCP_CORK on Linux through the foreign function API (NIO has no such option): cork before writing a batch and
 * uncork after, so the kernel sends full segments. Elsewhere, or when the socket's descriptor cannot be reached,
 * every call is a no-op and batching in user space does the work alone.
 *
 * <p>The descriptor comes from {@code sun.nio.ch.SelChImpl.getFDVal()}, which needs
 * {@code --add-exports java.base/sun.nio.ch=ALL-UNNAMED} (the binaries' jars and launchers carry it).
 */
public final class TcpCork {
    private static final Logger LOG = LoggerFactory.getLogger(TcpCork.class);
    private static final int SOL_TCP = 6;
    private static final int TCP_CORK = 3;
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
                LOG.debug("TCP_CORK unavailable, batching in user space only: {}", e.toString());
                setsockopt = null;
                getFd = null;
            }
        }
        SETSOCKOPT = setsockopt;
        GET_FD = getFd;
    }

    private final int fd;

    private TcpCork(int fd) {
        this.fd = fd;
    }

    /**
     * @param channel a connected TCP channel.
     * @return its cork; a no-op one when TCP_CORK cannot be set here.
     */
    public static TcpCork of(SocketChannel channel) {
        if (SETSOCKOPT == null || GET_FD == null) {
            return new TcpCork(-1);
        }
        try {
            return new TcpCork((int) GET_FD.invoke(channel));
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.debug("no descriptor for TCP_CORK: {}", e.toString());
            return new TcpCork(-1);
        }
    }

    /** @return true when cork and uncork really reach the kernel. */
    public boolean isEffective() {
        return fd >= 0;
    }

    /** Holds back partial segments until {@link #uncork()}. @return true when the kernel took it. */
    public boolean cork() {
        return set(1);
    }

    /** Sends what is held back. @return true when the kernel took it. */
    public boolean uncork() {
        return set(0);
    }

    private boolean set(int value) {
        if (fd < 0) {
            return false;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment flag = arena.allocate(JAVA_INT);
            flag.set(JAVA_INT, 0, value);
            return (int) SETSOCKOPT.invokeExact(fd, SOL_TCP, TCP_CORK, flag, (int) JAVA_INT.byteSize()) == 0;
        } catch (Throwable e) {
            return false;
        }
    }
}
