package io.mproxy.common.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ServerSocketChannel;

/**
 * Ports on 127.0.0.1 that nothing listens on: bound, noted, released. In the test's private network namespace no
 * other process takes them meanwhile; a test uses one for a destination that is down, or to start a listener later.
 */
public final class FreePorts {
    private FreePorts() {
    }

    /** @return a UDP port on 127.0.0.1 that nothing is bound to. */
    public static int udp() {
        try (DatagramChannel probe = DatagramChannel.open()) {
            return portOf(probe);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return a TCP port on 127.0.0.1 that nothing listens on (a connect is refused). */
    public static int tcp() {
        try (ServerSocketChannel probe = ServerSocketChannel.open()) {
            return portOf(probe);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int portOf(NetworkChannel probe) throws IOException {
        probe.bind(new InetSocketAddress("127.0.0.1", 0));
        return ((InetSocketAddress) probe.getLocalAddress()).getPort();
    }
}
