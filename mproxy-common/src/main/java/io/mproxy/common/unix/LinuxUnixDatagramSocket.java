package io.mproxy.common.unix;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@link UnixDatagramSocket} on Linux: socket, bind, connect, recv, send, setsockopt through the FFM API. */
final class LinuxUnixDatagramSocket implements UnixDatagramSocket {
    static final boolean AVAILABLE;
    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int SOL_SOCKET = 1;
    private static final int SO_RCVBUF = 8;
    private static final int SO_RCVTIMEO = 20;
    private static final int SO_SNDTIMEO = 21;
    private static final int MSG_DONTWAIT = 0x40;
    private static final int EINTR = 4;
    private static final int EAGAIN = 11;
    private static final int ECONNREFUSED = 111;
    private static final int SUN_PATH = 108;
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle SOCKET;
    private static final MethodHandle BIND;
    private static final MethodHandle CONNECT;
    private static final MethodHandle RECV;
    private static final MethodHandle SEND;
    private static final MethodHandle SETSOCKOPT;
    private static final MethodHandle CLOSE;
    private static final MethodHandle STRERROR;

    static {
        MethodHandle[] h = new MethodHandle[8];
        boolean ok = false;
        if (System.getProperty("os.name", "").startsWith("Linux")) {
            try {
                Linker linker = Linker.nativeLinker();
                Linker.Option errno = Linker.Option.captureCallState("errno");
                h[0] = handle(linker, "socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), errno);
                h[1] = handle(linker, "bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), errno);
                h[2] = handle(linker, "connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), errno);
                h[3] = handle(linker, "recv",
                    FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), errno);
                h[4] = handle(linker, "send",
                    FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), errno);
                h[5] = handle(linker, "setsockopt",
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), errno);
                h[6] = linker.downcallHandle(linker.defaultLookup().find("close").orElseThrow(),
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT));
                h[7] = linker.downcallHandle(linker.defaultLookup().find("strerror").orElseThrow(),
                    FunctionDescriptor.of(ADDRESS, JAVA_INT));
                ok = true;
            } catch (RuntimeException | LinkageError e) {
                ok = false;
            }
        }
        AVAILABLE = ok;
        SOCKET = h[0];
        BIND = h[1];
        CONNECT = h[2];
        RECV = h[3];
        SEND = h[4];
        SETSOCKOPT = h[5];
        CLOSE = h[6];
        STRERROR = h[7];
    }

    private final int fd;
    private final Path path;
    private final boolean bound;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment state = arena.allocate(CALL_STATE);
    private final MemorySegment timeout = arena.allocate(16);
    private int timeoutMillis = -1;
    private volatile boolean closed;

    private LinuxUnixDatagramSocket(int fd, Path path, boolean bound) {
        this.fd = fd;
        this.path = path;
        this.bound = bound;
    }

    private static MethodHandle handle(Linker linker, String name, FunctionDescriptor descriptor, Linker.Option o) {
        return linker.downcallHandle(linker.defaultLookup().find(name).orElseThrow(), descriptor, o);
    }

    static UnixDatagramSocket bind(Path path, int receiveBuffer) throws IOException {
        requireAvailable(path);
        if (Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            removeStale(path);
        }
        return openWith(path, true, "cannot bind unix socket " + path, (socket, local) -> {
            if (receiveBuffer > 0) {
                MemorySegment value = local.allocate(JAVA_INT);
                value.set(JAVA_INT, 0, receiveBuffer);
                socket.setOption(SO_RCVBUF, value);
            }
            if ((int) BIND.invokeExact(socket.state, socket.fd, address(local, path), 2 + SUN_PATH) != 0) {
                throw socket.error("cannot bind unix socket " + path);
            }
        });
    }

    /** The calls that make a fresh socket a bound or connected one. */
    @FunctionalInterface
    private interface Setup {
        void apply(LinuxUnixDatagramSocket socket, Arena local) throws Throwable;
    }

    /** Opens a socket and applies {@code setup}; on any failure the descriptor is closed and the error names it. */
    private static LinuxUnixDatagramSocket openWith(Path path, boolean bound, String what, Setup setup)
        throws IOException {
        LinuxUnixDatagramSocket socket = open(path, bound);
        try (Arena local = Arena.ofConfined()) {
            setup.apply(socket, local);
            return socket;
        } catch (IOException e) {
            socket.closeFd();
            throw e;
        } catch (Throwable e) {
            socket.closeFd();
            throw new IOException(what + ": " + e, e);
        }
    }

    private static void removeStale(Path path) throws IOException {
        if (!"socket".equals(fileType(path))) {
            throw new IOException("cannot bind unix socket " + path + ": a file that is not a socket is in the way");
        }
        try (UnixDatagramSocket probe = connect(path)) {
            throw new IOException("cannot bind unix socket " + path + ": another process is bound to it");
        } catch (IOException e) {
            if (e.getMessage().contains("another process")) {
                throw e;
            }
            Files.deleteIfExists(path);
        }
    }

    private static String fileType(Path path) {
        try {
            Object mode = Files.getAttribute(path, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS);
            return (((Integer) mode) & 0170000) == 0140000 ? "socket" : "other";
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "other";
        }
    }

    static UnixDatagramSocket connect(Path path) throws IOException {
        requireAvailable(path);
        return openWith(path, false, "cannot connect to unix socket " + path, (socket, local) -> {
            if ((int) CONNECT.invokeExact(socket.state, socket.fd, address(local, path), 2 + SUN_PATH) != 0) {
                throw socket.error("cannot connect to unix socket " + path);
            }
            MemorySegment tv = local.allocate(16);
            tv.set(JAVA_LONG, 0, 1);
            tv.set(JAVA_LONG, 8, 0);
            socket.setOption(SO_SNDTIMEO, tv);
        });
    }

    private static void requireAvailable(Path path) throws IOException {
        if (!AVAILABLE) {
            throw new IOException("unix datagram socket " + path + ": only supported on Linux");
        }
        if (path.toString().getBytes(StandardCharsets.UTF_8).length >= SUN_PATH) {
            throw new IOException("unix socket path " + path + " is too long: at most " + (SUN_PATH - 1) + " bytes");
        }
    }

    private static LinuxUnixDatagramSocket open(Path path, boolean bound) throws IOException {
        try (Arena local = Arena.ofConfined()) {
            MemorySegment st = local.allocate(CALL_STATE);
            int fd = (int) SOCKET.invokeExact(st, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (fd < 0) {
                throw new IOException("cannot open unix socket " + path + ": " + strerror((int) ERRNO.get(st, 0L)));
            }
            return new LinuxUnixDatagramSocket(fd, path, bound);
        } catch (IOException e) {
            throw e;
        } catch (Throwable e) {
            throw new IOException("cannot open unix socket " + path + ": " + e, e);
        }
    }

    private static MemorySegment address(Arena arena, Path path) {
        MemorySegment addr = arena.allocate(2 + SUN_PATH);
        addr.set(JAVA_SHORT, 0, (short) AF_UNIX);
        byte[] bytes = path.toString().getBytes(StandardCharsets.UTF_8);
        MemorySegment.copy(bytes, 0, addr, java.lang.foreign.ValueLayout.JAVA_BYTE, 2, bytes.length);
        return addr;
    }

    private void setOption(int option, MemorySegment value) throws Throwable {
        int rc = (int) SETSOCKOPT.invokeExact(state, fd, SOL_SOCKET, option, value, (int) value.byteSize());
        if (rc != 0) {
            throw error("setsockopt on unix socket " + path);
        }
    }

    @Override
    public int receive(ByteBuffer into, int timeoutMillis) throws IOException {
        try {
            int flags = timeoutMillis == 0 ? MSG_DONTWAIT : 0;
            if (timeoutMillis > 0 && timeoutMillis != this.timeoutMillis) {
                timeout.set(JAVA_LONG, 0, timeoutMillis / 1000);
                timeout.set(JAVA_LONG, 8, (timeoutMillis % 1000) * 1000L);
                setOption(SO_RCVTIMEO, timeout);
                this.timeoutMillis = timeoutMillis;
            }
            MemorySegment target = MemorySegment.ofBuffer(into);
            long n = (long) RECV.invokeExact(state, fd, target, target.byteSize(), flags);
            if (n < 0) {
                int errno = (int) ERRNO.get(state, 0L);
                if (errno == EAGAIN || errno == EINTR) {
                    return -1;
                }
                throw new IOException(strerror(errno));
            }
            int length = (int) Math.min(n, target.byteSize());
            into.position(into.position() + length);
            return length;
        } catch (IOException e) {
            throw e;
        } catch (Throwable e) {
            throw new IOException(closed ? "closed" : e.toString(), e);
        }
    }

    @Override
    public void send(ByteBuffer datagram) throws IOException {
        try {
            MemorySegment source = MemorySegment.ofBuffer(datagram);
            long n = (long) SEND.invokeExact(state, fd, source, source.byteSize(), 0);
            if (n < 0) {
                int errno = (int) ERRNO.get(state, 0L);
                throw new IOException(errno == EAGAIN ? "send timed out: the receiver is not reading"
                    : errno == ECONNREFUSED ? "connection refused: no one is bound to " + path : strerror(errno));
            }
            datagram.position(datagram.limit());
        } catch (IOException e) {
            throw e;
        } catch (Throwable e) {
            throw new IOException(e.toString(), e);
        }
    }

    private IOException error(String what) {
        return new IOException(what + ": " + strerror((int) ERRNO.get(state, 0L)));
    }

    private static String strerror(int errno) {
        try {
            MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
            return text.reinterpret(256).getString(0).toLowerCase(java.util.Locale.ROOT);
        } catch (Throwable e) {
            return "errno " + errno;
        }
    }

    @Override
    public Path path() {
        return path;
    }

    private void closeFd() {
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable e) {
            // nothing more to do
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeFd();
        if (bound) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                // best effort: a stale file is removed at the next bind
            }
        }
        arena.close();
    }
}
