package io.mproxy.proxy;

import io.mproxy.common.test.Await;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** Test inputs and TCP servers shared by the proxy's tests. */
final class TestData {
    private TestData() {
    }

    /** @return {@code count} numbered lines, each naming {@code tag}. */
    static byte[] lines(String tag, int count) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < count; i++) {
            text.append(tag).append(" line ").append(i).append(" of the test input\n");
        }
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** @return a TCP server socket on loopback (port 0: any free port), accepting with a deadline. */
    static ServerSocket listenTcp(int port) throws IOException {
        ServerSocket socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.setSoTimeout((int) Await.DEFAULT.toMillis());
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        return socket;
    }

    /** Accepts one connection, writes {@code bytes} and closes it. */
    static void serveOnce(ServerSocket server, byte[] bytes) {
        try (Socket connection = server.accept(); OutputStream out = connection.getOutputStream()) {
            out.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
