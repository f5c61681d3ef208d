package io.mproxy.relay;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** A UDP destination in the test JVM: collects every datagram as text. */
final class UdpSink implements AutoCloseable {
    private final DatagramSocket socket;
    private final List<String> messages = Collections.synchronizedList(new ArrayList<>());

    UdpSink() throws IOException {
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        socket.setReceiveBufferSize(4 << 20);
        Thread.ofPlatform().daemon().name("udp-sink").start(this::run);
    }

    private void run() {
        byte[] buffer = new byte[65536];
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        try {
            while (true) {
                packet.setLength(buffer.length);
                socket.receive(packet);
                messages.add(new String(buffer, 0, packet.getLength(), StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            // closed
        }
    }

    /** @return the spec a relay uses to reach it. */
    String spec() {
        return "udp@127.0.0.1:" + socket.getLocalPort();
    }

    /** @return the datagrams received, in order. */
    List<String> messages() {
        synchronized (messages) {
            return List.copyOf(messages);
        }
    }

    /** @return how many arrived. */
    int count() {
        return messages.size();
    }

    @Override
    public void close() {
        socket.close();
    }
}
