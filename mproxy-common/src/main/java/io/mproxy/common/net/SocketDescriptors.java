package io.mproxy.common.net;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Finds the descriptor behind an NIO socket channel without JDK internals: among this process's sockets
 * ({@code /proc/self/fd}), the one whose {@code getsockname} (and, when connected, {@code getpeername}) equal the
 * channel's addresses. Linux only; -1 when it is not found or not unique. Reaching {@code sun.nio.ch} instead would
 * need {@code --add-exports} on every command line, which also costs each start the JVM's archived module graph.
 */
final class SocketDescriptors {
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    private static final int SOCKADDR_SPACE = 128;
    private static final MethodHandle GETSOCKNAME;
    private static final MethodHandle GETPEERNAME;

    static {
        MethodHandle sockName = null;
        MethodHandle peerName = null;
        if (System.getProperty("os.name", "").startsWith("Linux")) {
            try {
                Linker linker = Linker.nativeLinker();
                FunctionDescriptor signature = FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
                sockName = linker.downcallHandle(linker.defaultLookup().findOrThrow("getsockname"), signature);
                peerName = linker.downcallHandle(linker.defaultLookup().findOrThrow("getpeername"), signature);
            } catch (RuntimeException | LinkageError e) {
                sockName = null;
                peerName = null;
            }
        }
        GETSOCKNAME = sockName;
        GETPEERNAME = peerName;
    }

    private SocketDescriptors() {
    }

    /** @return true when descriptors can be found here. */
    static boolean isAvailable() {
        return GETSOCKNAME != null;
    }

    /**
     * @param channel an open, bound socket channel.
     * @return its descriptor, or -1.
     */
    static int find(NetworkChannel channel) {
        if (!isAvailable()) {
            return -1;
        }
        InetSocketAddress local;
        InetSocketAddress remote;
        try {
            local = (InetSocketAddress) channel.getLocalAddress();
            remote = remoteOf(channel);
        } catch (IOException | ClassCastException e) {
            return -1;
        }
        if (local == null) {
            return -1;
        }
        int found = -1;
        try (Arena arena = Arena.ofConfined();
             DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            MemorySegment address = arena.allocate(SOCKADDR_SPACE);
            MemorySegment length = arena.allocate(JAVA_INT);
            for (Path entry : fds) {
                int fd = socketDescriptor(entry);
                if (fd < 0 || !matches(GETSOCKNAME, fd, local, address, length)
                    || remote != null && !matches(GETPEERNAME, fd, remote, address, length)) {
                    continue;
                }
                if (found >= 0) {
                    return -1;
                }
                found = fd;
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return found;
    }

    private static InetSocketAddress remoteOf(NetworkChannel channel) throws IOException {
        SocketAddress remote = channel instanceof SocketChannel tcp ? tcp.getRemoteAddress()
            : channel instanceof DatagramChannel udp ? udp.getRemoteAddress() : null;
        return (InetSocketAddress) remote;
    }

    private static int socketDescriptor(Path entry) {
        try {
            if (!Files.readSymbolicLink(entry).toString().startsWith("socket:")) {
                return -1;
            }
            return Integer.parseInt(entry.getFileName().toString());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    private static boolean matches(MethodHandle call, int fd, InetSocketAddress expected, MemorySegment address,
                                   MemorySegment length) {
        length.set(JAVA_INT, 0, SOCKADDR_SPACE);
        try {
            if ((int) call.invokeExact(fd, address, length) != 0) {
                return false;
            }
        } catch (Throwable e) {
            return false;
        }
        int port = (address.get(JAVA_BYTE, 2) & 0xff) << 8 | address.get(JAVA_BYTE, 3) & 0xff;
        if (port != expected.getPort()) {
            return false;
        }
        byte[] want = expected.getAddress().getAddress();
        short family = address.get(JAVA_SHORT, 0);
        if (family == AF_INET) {
            return Arrays.equals(address.asSlice(4, 4).toArray(JAVA_BYTE), want);
        }
        if (family == AF_INET6) {
            byte[] got = address.asSlice(8, 16).toArray(JAVA_BYTE);
            return Arrays.equals(got, want) || want.length == 4 && isV4Mapped(got, want);
        }
        return false;
    }

    /** A dual-stack socket reports {@code ::ffff:a.b.c.d} where Java says {@code a.b.c.d}. */
    private static boolean isV4Mapped(byte[] v6, byte[] v4) {
        for (int i = 0; i < 10; i++) {
            if (v6[i] != 0) {
                return false;
            }
        }
        return (v6[10] & 0xff) == 0xff && (v6[11] & 0xff) == 0xff && Arrays.equals(Arrays.copyOfRange(v6, 12, 16), v4);
    }
}
