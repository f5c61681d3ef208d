package io.mproxy.relay.listen;

import static org.assertj.core.api.Assertions.assertThat;

import io.mproxy.common.net.Endpoint;
import io.mproxy.common.net.MulticastSettings;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import org.junit.jupiter.api.Test;

/** The listener's kernel drop count, which the relay's exit totals read after the socket closed. */
class UdpSourceTest {
    private static final int SENT = 2_000;

    @Test
    void shouldKeepTheKernelDropCountAfterClosing() throws Exception {
        MulticastSettings multicast = new MulticastSettings(
            NetworkInterface.getByInetAddress(InetAddress.getLoopbackAddress()), 0, true);
        UdpSource source = UdpSource.open(Endpoint.parse("127.0.0.1:1").withPort(0), multicast, 16 * 1024);
        int port = Integer.parseInt(source.boundAddress().substring(source.boundAddress().lastIndexOf(':') + 1));
        try (DatagramChannel sender = DatagramChannel.open()) {
            sender.connect(new InetSocketAddress("127.0.0.1", port));
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
}
