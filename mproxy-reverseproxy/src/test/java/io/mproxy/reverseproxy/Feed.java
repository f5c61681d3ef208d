package io.mproxy.reverseproxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.function.IntPredicate;

/** Test datagrams: numbered, of a fixed size, so any stream of them can be checked record by record. */
final class Feed {
    private Feed() {
    }

    /** @param index the datagram's number. @param size its size. @return "000042 xxxx...\n" of {@code size} bytes. */
    static byte[] datagram(int index, int size) {
        byte[] bytes = new byte[size];
        byte[] head = String.format("%06d ", index).getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) ('a' + (index + i) % 26);
        }
        System.arraycopy(head, 0, bytes, 0, Math.min(head.length, size));
        bytes[size - 1] = '\n';
        return bytes;
    }

    /** @return datagrams {@code from} to {@code to} (exclusive), concatenated. */
    static byte[] stream(int from, int to, int size) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = from; i < to; i++) {
            out.writeBytes(datagram(i, size));
        }
        return out.toByteArray();
    }

    /**
     * Sends datagrams {@code from} to {@code to} to {@code port} on 127.0.0.1, in bursts of {@code burst}; after
     * each burst waits until {@code delivered} says that many arrived, so no socket buffer can overflow.
     */
    static void send(int port, int from, int to, int size, int burst, IntPredicate delivered) {
        try (DatagramChannel channel = DatagramChannel.open()) {
            channel.connect(new InetSocketAddress("127.0.0.1", port));
            for (int i = from; i < to; i++) {
                channel.write(ByteBuffer.wrap(datagram(i, size)));
                int sent = i + 1;
                if ((sent - from) % burst == 0 || sent == to) {
                    io.mproxy.common.test.Await.until(sent + " datagrams delivered", () -> delivered.test(sent));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
