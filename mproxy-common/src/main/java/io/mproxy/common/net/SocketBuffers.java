package io.mproxy.common.net;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.NetworkChannel;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sets SO_RCVBUF/SO_SNDBUF, reads them back and warns once, naming the sysctl, when the kernel capped them. A receive
 * buffer capped by {@code net.core.rmem_max} is asked again with SO_RCVBUFFORCE, which the kernel grants to processes
 * with CAP_NET_ADMIN (root): a large kernel buffer is what carries a receiver through scheduling stalls.
 */
public final class SocketBuffers {
    private static final AtomicBoolean WARNED_RECEIVE = new AtomicBoolean();
    private static final AtomicBoolean WARNED_SEND = new AtomicBoolean();

    private SocketBuffers() {
    }

    /**
     * @param channel   the socket; bound, so that a forced size can find its descriptor.
     * @param requested bytes wanted, or 0 to leave the system default.
     * @return the size the kernel granted.
     * @throws IOException when the option cannot be set.
     */
    public static int setReceive(NetworkChannel channel, int requested) throws IOException {
        if (requested > 0) {
            channel.setOption(StandardSocketOptions.SO_RCVBUF, requested);
        }
        int granted = channel.getOption(StandardSocketOptions.SO_RCVBUF);
        if (requested > 0 && granted < requested && NativeSocketOptions.setInt(NativeSocketOptions.descriptor(channel),
            NativeSocketOptions.SOL_SOCKET, NativeSocketOptions.SO_RCVBUFFORCE, requested)) {
            granted = channel.getOption(StandardSocketOptions.SO_RCVBUF);
            log().debug("receive buffer forced past net.core.rmem_max to {} bytes", granted);
        }
        if (requested > 0 && granted < requested && WARNED_RECEIVE.compareAndSet(false, true)) {
            log().warn("receive buffer capped at {} bytes (asked {}): raise it with 'sysctl -w net.core.rmem_max={}'",
                granted, requested, requested);
        }
        return granted;
    }

    /**
     * @param channel   the socket.
     * @param requested bytes wanted, or 0 to leave the system default.
     * @return the size the kernel granted.
     * @throws IOException when the option cannot be set.
     */
    public static int setSend(NetworkChannel channel, int requested) throws IOException {
        if (requested > 0) {
            channel.setOption(StandardSocketOptions.SO_SNDBUF, requested);
        }
        int granted = channel.getOption(StandardSocketOptions.SO_SNDBUF);
        if (requested > 0 && granted < requested && WARNED_SEND.compareAndSet(false, true)) {
            log().warn("send buffer capped at {} bytes (asked {}): raise it with 'sysctl -w net.core.wmem_max={}'",
                granted, requested, requested);
        }
        return granted;
    }

    /** The logger, looked up at the first line: a client that logs nothing never starts the logging back end. */
    private static Logger log() {
        return LoggerFactory.getLogger(SocketBuffers.class);
    }
}
