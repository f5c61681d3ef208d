package io.mproxy.common.net;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.ToLongFunction;

/**
 * Reads the kernel's drop count and receive queue for this process's UDP sockets from {@code /proc/net/udp} and
 * {@code /proc/net/udp6} (Linux only; elsewhere always -1).
 */
public final class KernelDrops {
    private static final Path UDP = Path.of("/proc/net/udp");
    private static final Path UDP6 = Path.of("/proc/net/udp6");
    /** Columns of a /proc/net/udp line split on blanks: 4 is {@code tx_queue:rx_queue} in hex, 12 {@code drops}. */
    private static final ToLongFunction<String[]> DROPS = f -> Long.parseLong(f[12]);
    private static final ToLongFunction<String[]> RX_QUEUE =
        f -> Long.parseLong(f[4].substring(f[4].indexOf(':') + 1), 16);

    private KernelDrops() {
    }

    /**
     * @param channel a bound UDP socket of this process.
     * @return the {@code drops} column of exactly this socket, found by its inode; when its descriptor cannot be
     *     reached, the sum over this process's sockets on its port ({@link #forPort}); -1 when the kernel does not
     *     say.
     */
    public static long forChannel(DatagramChannel channel) {
        int port;
        try {
            port = ((InetSocketAddress) channel.getLocalAddress()).getPort();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        String inode = inodeOf(channel);
        return inode == null ? forPort(port) : sum(port, Set.of(inode), DROPS);
    }

    /**
     * @param channel a bound UDP socket of this process.
     * @return the bytes waiting in its receive queue (the {@code rx_queue} column), or -1 when the kernel does not
     *     say or the socket cannot be told from others on its port.
     */
    public static long queuedBytes(DatagramChannel channel) {
        String inode = inodeOf(channel);
        try {
            return inode == null ? -1
                : sum(((InetSocketAddress) channel.getLocalAddress()).getPort(), Set.of(inode), RX_QUEUE);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * @param port a local UDP port.
     * @return the sum of the {@code drops} column over this process's sockets bound to the port, or -1 when the
     *     kernel does not say.
     */
    public static long forPort(int port) {
        return sum(port, ownSocketInodes(), DROPS);
    }

    /** The socket's inode, through its descriptor ({@link NativeSocketOptions#descriptor}). */
    private static String inodeOf(DatagramChannel channel) {
        int fd = NativeSocketOptions.descriptor(channel);
        if (fd < 0 || !channel.isOpen()) {
            return null;
        }
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
            return target.startsWith("socket:[") ? target.substring(8, target.length() - 1) : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static long sum(int port, Set<String> inodes, ToLongFunction<String[]> column) {
        if (!Files.isReadable(UDP)) {
            return -1;
        }
        String hexPort = String.format(":%04X", port);
        long sum = 0;
        for (Path table : new Path[] {UDP, UDP6}) {
            try {
                List<String> lines = Files.readAllLines(table);
                for (int i = 1; i < lines.size(); i++) {
                    String[] f = lines.get(i).trim().split("\\s+");
                    if (f.length >= 13 && f[1].endsWith(hexPort) && inodes.contains(f[9])) {
                        sum += column.applyAsLong(f);
                    }
                }
            } catch (IOException | NumberFormatException e) {
                return -1;
            }
        }
        return sum;
    }

    private static Set<String> ownSocketInodes() {
        Set<String> inodes = new HashSet<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException e) {
                    // the fd closed meanwhile
                }
            }
        } catch (IOException e) {
            // no /proc: nothing to match
        }
        return inodes;
    }
}
