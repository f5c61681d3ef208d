package io.mproxy.common.tcp;

import io.mproxy.common.net.NativeSocketOptions;
import java.nio.channels.SocketChannel;

/**
 * TCP_CORK on Linux (NIO has no such option): cork before writing a batch and uncork after, so the kernel sends full
 * segments. Elsewhere, or when the socket's descriptor cannot be reached (see {@link NativeSocketOptions}), every
 * call is a no-op and batching in user space does the work alone.
 */
public final class TcpCork {
    private final int fd;

    private TcpCork(int fd) {
        this.fd = fd;
    }

    /**
     * @param channel a connected TCP channel.
     * @return its cork; a no-op one when TCP_CORK cannot be set here.
     */
    public static TcpCork of(SocketChannel channel) {
        return new TcpCork(NativeSocketOptions.descriptor(channel));
    }

    /** @return true when cork and uncork really reach the kernel. */
    public boolean isEffective() {
        return fd >= 0;
    }

    /** Holds back partial segments until {@link #uncork()}. @return true when the kernel took it. */
    public boolean cork() {
        return NativeSocketOptions.setInt(fd, NativeSocketOptions.SOL_TCP, NativeSocketOptions.TCP_CORK, 1);
    }

    /** Sends what is held back. @return true when the kernel took it. */
    public boolean uncork() {
        return NativeSocketOptions.setInt(fd, NativeSocketOptions.SOL_TCP, NativeSocketOptions.TCP_CORK, 0);
    }
}
