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
import java.nio.file.Files;
import java.nio.file.Path;

/** Test inputs, TCP servers and waits on output files shared by the proxy's tests. */
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

    /** @return a copy of {@code a} followed by {@code b}. */
    static byte[] concat(byte[] a, byte[] b) {
        byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    /** Waits until {@code file} holds at least {@code length} bytes. */
    static void awaitSize(Path file, long length) {
        Await.until(length + " bytes in " + file, () -> size(file) >= length, Await.DEFAULT,
            () -> "it has " + size(file));
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

    static long size(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            return 0;
        }
    }
}
