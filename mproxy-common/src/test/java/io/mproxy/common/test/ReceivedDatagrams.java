package io.mproxy.common.test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * What a UDP sink in a test received until a byte count arrived.
 *
 * @param sizes each datagram's length, in arrival order.
 * @param bytes the datagrams one after another.
 */
public record ReceivedDatagrams(List<Integer> sizes, byte[] bytes) {
    /**
     * Receives on {@code channel} until {@code total} bytes arrived, each receive bounded by {@link Await#DEFAULT}.
     *
     * @param channel a bound, blocking channel.
     * @param total   the bytes to wait for.
     * @return what arrived.
     * @throws IOException when a receive fails or times out ({@link java.net.SocketTimeoutException}).
     */
    public static ReceivedDatagrams receive(DatagramChannel channel, int total) throws IOException {
        channel.socket().setSoTimeout((int) Await.DEFAULT.toMillis());
        List<Integer> sizes = new ArrayList<>();
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        DatagramPacket packet = new DatagramPacket(new byte[65_536], 65_536);
        while (received.size() < total) {
            channel.socket().receive(packet);
            sizes.add(packet.getLength());
            received.write(packet.getData(), 0, packet.getLength());
        }
        return new ReceivedDatagrams(List.copyOf(sizes), received.toByteArray());
    }
}
