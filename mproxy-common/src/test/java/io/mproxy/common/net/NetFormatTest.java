package io.mproxy.common.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NetFormatTest {
    @ParameterizedTest
    @CsvSource(textBlock = """
        127.0.0.1,   9000, 127.0.0.1:9000
        ::1,         9000, [::1]:9000
        ::,          1,    [::]:1
        ff15::1,     9918, [ff15::1]:9918
        fd11::1,     80,   [fd11::1]:80
        fd11:0:0:1:0:0:0:1, 80, [fd11:0:0:1::1]:80
        1:2:3:4:5:6:7:8, 5, [1:2:3:4:5:6:7:8]:5
        """)
    void shouldFormatNumericHostsTheWayUsersWriteThem(String host, int port, String expected) throws Exception {
        assertThat(NetFormat.format(new InetSocketAddress(InetAddress.getByName(host), port))).isEqualTo(expected);
    }

    @Test
    void shouldShowTheScopeOfALinkLocalAddressByInterfaceName() throws Exception {
        int lo = NetworkInterface.getByName("lo").getIndex();
        InetAddress scoped = Inet6Address.getByAddress(null, InetAddress.getByName("fe80::1").getAddress(), lo);
        assertThat(NetFormat.format(new InetSocketAddress(scoped, 9))).isEqualTo("[fe80::1%lo]:9");
        InetAddress unknown = Inet6Address.getByAddress(null, InetAddress.getByName("fe80::1").getAddress(), 9999);
        assertThat(NetFormat.format(new InetSocketAddress(unknown, 9))).isEqualTo("[fe80::1%9999]:9");
    }

    @Test
    void shouldKeepAnUnresolvedHostAsWritten() {
        assertThat(NetFormat.format(InetSocketAddress.createUnresolved("example.invalid", 9)))
            .isEqualTo("example.invalid:9");
    }

    @ParameterizedTest
    @CsvSource(textBlock = """
        0:0:0:0:0:0:0:0,  ::
        0:0:0:0:0:0:0:1,  ::1
        ff15:0:0:0:0:0:0:0, ff15::
        1:0:0:2:0:0:0:3,  1:0:0:2::3
        1:0:0:2:0:0:3:4,  1::2:0:0:3:4
        1:0:2:0:3:0:4:0,  1:0:2:0:3:0:4:0
        not-an-address,   not-an-address
        """)
    void shouldCompressTheFirstLongestRunOfZeroGroups(String full, String compressed) {
        assertThat(NetFormat.compress(full)).isEqualTo(compressed);
    }
}
