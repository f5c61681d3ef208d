package io.mproxy.common.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** The kernel's per-socket drop count, with real sockets on loopback. */
@EnabledOnOs(OS.LINUX)
class KernelDropsTest {
    private static final int SENT = 200;

    @Test
    void shouldCountExactlyWhatTheKernelDroppedForThatSocketOnly() throws Exception {
        try (DatagramChannel flooded = DatagramChannel.open();
             DatagramChannel neighbour = DatagramChannel.open();
             DatagramChannel sender = DatagramChannel.open()) {
            flooded.setOption(StandardSocketOptions.SO_RCVBUF, 1);
            flooded.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            int port = ((InetSocketAddress) flooded.getLocalAddress()).getPort();
            neighbour.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), port));
            assertThat(KernelDrops.forChannel(flooded)).isZero();

            sender.connect(flooded.getLocalAddress());
            ByteBuffer datagram = ByteBuffer.allocate(1000);
            for (int i = 0; i < SENT; i++) {
                sender.write(datagram.clear());
            }
            assertThat(KernelDrops.queuedBytes(flooded)).as("bytes queued before reading").isPositive();
            assertThat(KernelDrops.queuedBytes(neighbour)).isZero();
            flooded.configureBlocking(false);
            int received = 0;
            while (flooded.receive(datagram.clear()) != null) {
                received++;
            }
            assertThat(KernelDrops.queuedBytes(flooded)).as("bytes queued after reading all").isZero();

            assertThat(received).as("a minimal buffer holds only a few").isLessThan(SENT);
            assertThat(KernelDrops.forChannel(flooded)).isEqualTo(SENT - received);
            assertThat(KernelDrops.forChannel(neighbour)).as("another socket on the same port").isZero();
            assertThat(KernelDrops.forPort(port)).as("the sum over the port").isEqualTo(SENT - received);
        }
    }

    @Test
    void shouldSayNothingForAClosedChannel() throws Exception {
        DatagramChannel channel = DatagramChannel.open()
            .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        channel.close();
        assertThat(KernelDrops.forChannel(channel)).isEqualTo(-1);
        assertThat(KernelDrops.queuedBytes(channel)).isEqualTo(-1);
    }
}
