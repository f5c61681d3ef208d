package io.mproxy.common.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SocketBuffersTest {
    @Test
    void shouldGrantAReceiveBufferPastRmemMaxWhenRootInTheInitialUserNamespace() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")) && initialUserNamespace(),
            "SO_RCVBUFFORCE needs CAP_NET_ADMIN in the initial user namespace");
        int rmemMax = Integer.parseInt(Files.readString(Path.of("/proc/sys/net/core/rmem_max")).trim());
        int requested = Math.max(rmemMax * 4, 16 << 20);
        try (DatagramChannel channel = DatagramChannel.open()
                .bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0))) {
            assertThat(SocketBuffers.setReceive(channel, requested)).isGreaterThanOrEqualTo(requested);
        }
    }

    @Test
    void shouldLeaveTheSystemDefaultWhenZeroIsRequested() throws Exception {
        try (DatagramChannel channel = DatagramChannel.open(); DatagramChannel fresh = DatagramChannel.open()) {
            assertThat(SocketBuffers.setReceive(channel, 0))
                .isEqualTo(fresh.getOption(java.net.StandardSocketOptions.SO_RCVBUF));
        }
    }

    private static boolean initialUserNamespace() throws Exception {
        String map = Files.readString(Path.of("/proc/self/uid_map")).trim().replaceAll("\\s+", " ");
        return map.equals("0 0 4294967295");
    }
}
