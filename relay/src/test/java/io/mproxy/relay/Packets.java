package io.mproxy.relay;

import io.mproxy.common.unix.UnixDatagramSocket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/** Sends numbered test packets ({@code packet 17}) to a relay over UDP or a unix datagram socket, paced. */
final class Packets {
    private Packets() {
    }

    /** @param from first number. @param to after the last. @return the texts {@code packet N}. */
    static List<String> texts(int from, int to) {
        List<String> texts = new ArrayList<>();
        for (int i = from; i < to; i++) {
            texts.add(text(i));
        }
        return texts;
    }

    static String text(int i) {
        return "packet " + i;
    }

    /**
     * Sends {@code packet from} .. {@code packet to-1}, pausing 1 ms every {@code burst} packets so the relay's socket
     * buffer never overflows.
     */
    static void udp(int port, int from, int to, int burst) throws IOException {
        try (DatagramChannel channel = DatagramChannel.open()) {
            channel.connect(new InetSocketAddress("127.0.0.1", port));
            for (int i = from; i < to; i++) {
                channel.write(ByteBuffer.wrap(text(i).getBytes(StandardCharsets.UTF_8)));
                if ((i - from + 1) % burst == 0) {
                    LockSupport.parkNanos(1_000_000);
                }
            }
        }
    }

    /** The same over a unix datagram socket (sends block while the relay's queue is full: no loss). */
    static void unix(Path path, int from, int to) throws IOException {
        try (UnixDatagramSocket socket = UnixDatagramSocket.connect(path)) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(256);
            for (int i = from; i < to; i++) {
                buffer.clear();
                buffer.put(text(i).getBytes(StandardCharsets.UTF_8)).flip();
                socket.send(buffer);
            }
        }
    }
}
