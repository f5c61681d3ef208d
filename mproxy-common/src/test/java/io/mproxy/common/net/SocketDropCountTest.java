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

/** A socket's kernel drop count after the socket closed, as exit totals read it. */
@EnabledOnOs(OS.LINUX)
class SocketDropCountTest {
    @Test
    void shouldKeepTheCountReadJustBeforeTheClose() throws Exception {
        DatagramChannel flooded = DatagramChannel.open();
        flooded.setOption(StandardSocketOptions.SO_RCVBUF, 1);
        flooded.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        SocketDropCount drops = new SocketDropCount(flooded);
        try (DatagramChannel sender = DatagramChannel.open()) {
            sender.connect(flooded.getLocalAddress());
            for (int i = 0; i < 100; i++) {
                sender.write(ByteBuffer.allocate(1000));
            }
        }
        long dropped = KernelDrops.forChannel(flooded);
        assertThat(dropped).as("a minimal buffer holds only a few").isPositive();
        assertThat(drops.get()).isEqualTo(dropped);

        drops.keep();
        flooded.close();

        assertThat(drops.get()).isEqualTo(dropped);
    }

    @Test
    void shouldSayNothingForASocketClosedWithoutKeepingItsCount() throws Exception {
        DatagramChannel channel = DatagramChannel.open()
            .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        SocketDropCount drops = new SocketDropCount(channel);
        channel.close();
        assertThat(drops.get()).isEqualTo(-1);
    }
}
