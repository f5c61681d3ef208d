package io.mproxy.common.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.mproxy.common.stats.Counter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.List;
import org.junit.jupiter.api.Test;

class UdpFanOutTest {
    @Test
    void shouldSendAnEmptyDatagramAsADatagram() throws Exception {
        try (DatagramChannel receiver = DatagramChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            int port = ((InetSocketAddress) receiver.getLocalAddress()).getPort();
            Endpoint destination = Endpoint.parse("127.0.0.1:" + port);
            try (UdpFanOut fanOut = new UdpFanOut(List.of(destination), MulticastSettings.DEFAULTS, 0, "to")) {
                fanOut.accept(ByteBuffer.allocate(0));
                fanOut.accept(ByteBuffer.wrap(new byte[] {7}));
                ByteBuffer received = ByteBuffer.allocate(16);
                assertThat(receiver.receive(received)).isNotNull();
                assertThat(received.position()).isZero();
                received.clear();
                assertThat(receiver.receive(received)).isNotNull();
                assertThat(received.flip().get()).isEqualTo((byte) 7);
                assertThat(fanOut.counters().get(0).get(Counter.DATAGRAMS_OUT)).isEqualTo(2);
                assertThat(fanOut.counters().get(0).get(Counter.BYTES_OUT)).isEqualTo(1);
            }
        }
    }

    @Test
    void shouldScopeALinkLocalGroupToTheInterfaceItIsUsedOn() throws Exception {
        java.net.NetworkInterface loopback = io.mproxy.common.test.TestNetwork.loopback();
        Endpoint scoped = UdpChannels.scopedGroup(Endpoint.parse("[ff02::1]:9918"), loopback);
        assertThat(((java.net.Inet6Address) scoped.address().getAddress()).getScopeId()).isEqualTo(loopback.getIndex());
        assertThat(scoped.text()).isEqualTo("[ff02::1]:9918");
        Endpoint global = Endpoint.parse("[ff15::1]:9918");
        assertThat(UdpChannels.scopedGroup(global, loopback)).isSameAs(global);
    }
}
