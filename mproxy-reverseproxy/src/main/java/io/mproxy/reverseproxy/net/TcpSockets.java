package io.mproxy.reverseproxy.net;

import io.mproxy.common.Errors;
import io.mproxy.common.net.Endpoint;
import io.mproxy.common.net.NetFormat;
import io.mproxy.common.net.UdpChannels;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/** TCP socket helpers shared by the inputs and the outputs. */
public final class TcpSockets {
    private TcpSockets() {
    }

    /**
     * @param listen where to listen (port 0: any free port).
     * @return a bound, blocking server channel with SO_REUSEADDR (a restart does not wait for TIME_WAIT).
     * @throws IOException {@code cannot listen on TEXT: REASON}, e.g. when the port is in use.
     */
    public static ServerSocketChannel listen(Endpoint listen) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(listen.family());
        try {
            server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            server.bind(listen.address(), 128);
            return server;
        } catch (IOException | RuntimeException e) {
            UdpChannels.closeQuietly(server);
            throw new IOException("cannot listen on " + listen.text() + ": " + Errors.describe(e), e);
        }
    }

    /** @param channel a connected channel. @return its peer as {@code host:port}, or {@code ?}. */
    public static String peer(SocketChannel channel) {
        try {
            return NetFormat.format((InetSocketAddress) channel.getRemoteAddress());
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }
}
