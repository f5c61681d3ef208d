package io.mproxy.relay.listen;

import static org.assertj.core.api.Assertions.assertThat;

import io.mproxy.common.net.Endpoint;
import io.mproxy.common.net.MulticastSettings;
import io.mproxy.common.test.Await;
import io.mproxy.common.test.SegmentedSend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The listener's socket: coalesced runs cut back into datagrams, and the kernel drop count kept past the close. */
class UdpSourceTest {
    private static final int SENT = 2_000;

    @Test
    void shouldCutARunTakenCoalescedBackIntoTheDatagramsSent() throws Exception {
        List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            sent.add(String.format("%03d", i).repeat(33).concat("x").getBytes(StandardCharsets.US_ASCII));
        }
        sent.add("the shorter last one".getBytes(StandardCharsets.US_ASCII));
        try (UdpSource source = open(1 << 20)) {
            assertThat(source.kernelDropsLabel()).as("the socket takes runs").isEqualTo("kernel dropped runs");
            SegmentedSend.send(new InetSocketAddress("127.0.0.1", port(source)), sent);

            List<String> received = new ArrayList<>();
            ByteBuffer into = ByteBuffer.allocateDirect(65_536);
            Await.until("41 datagrams", () -> {
                int length;
                while ((length = receive(source, into.clear())) >= 0) {
                    received.add(StandardCharsets.US_ASCII.decode(into.flip()).toString());
                    assertThat(into.limit()).isEqualTo(length);
                }
                return received.size() >= sent.size();
            });

            assertThat(received).containsExactlyElementsOf(
                sent.stream().map(b -> new String(b, StandardCharsets.US_ASCII)).toList());
            assertThat(source.kernelDrops()).isZero();
        }
    }

    @Test
    void shouldKeepTheKernelDropCountAfterClosing() throws Exception {
        UdpSource source = open(16 * 1024);
        try (DatagramChannel sender = DatagramChannel.open()) {
            sender.connect(new InetSocketAddress("127.0.0.1", port(source)));
            for (int i = 0; i < SENT; i++) {
                sender.write(ByteBuffer.allocate(1_000));
            }
        }
        int received = 0;
        ByteBuffer into = ByteBuffer.allocateDirect(65_536);
        while (source.receive(into.clear(), false) >= 0) {
            received++;
        }
        long whileOpen = source.kernelDrops();

        source.close();

        assertThat(received).isBetween(1, SENT - 1);
        assertThat(whileOpen).isEqualTo(SENT - received);
        assertThat(source.kernelDrops()).isEqualTo(SENT - received);
    }

    private static UdpSource open(int receiveBuffer) throws IOException {
        MulticastSettings multicast = new MulticastSettings(
            NetworkInterface.getByInetAddress(InetAddress.getLoopbackAddress()), 0, true);
        return UdpSource.open(Endpoint.parse("127.0.0.1:1").withPort(0), multicast, receiveBuffer);
    }

    private static int port(UdpSource source) {
        return Integer.parseInt(source.boundAddress().substring(source.boundAddress().lastIndexOf(':') + 1));
    }

    private static int receive(UdpSource source, ByteBuffer into) {
        try {
            return source.receive(into, false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
