package io.mproxy.common.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

class TcpCorkTest {
    @Test
    @EnabledOnOs(OS.LINUX)
    void shouldCorkAndUncorkAConnectedSocketOnLinux() throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             SocketChannel client = SocketChannel.open(server.getLocalAddress());
             SocketChannel accepted = server.accept()) {
            TcpCork cork = TcpCork.of(client);
            assertThat(cork.isEffective()).isTrue();
            assertThat(cork.cork()).isTrue();
            assertThat(cork.uncork()).isTrue();
            assertThat(accepted.isConnected()).isTrue();
        }
    }
}
