package io.mproxy.common.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class EndpointParserTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        127.0.0.1:9000          | 127.0.0.1:9000
        0.0.0.0:1               | 0.0.0.0:1
        239.1.2.3:65535         | 239.1.2.3:65535
        [::1]:9000              | [::1]:9000
        [ff15::1]:9918          | [ff15::1]:9918
        [fd11:0:0:0:0:0:0:1]:80 | [fd11::1]:80
        [::ffff:127.0.0.1]:7    | 127.0.0.1:7
        """)
    void shouldParseNumericAddresses(String text, String numeric) {
        Endpoint endpoint = EndpointParser.parse(text, false);
        assertThat(endpoint.text()).isEqualTo(text);
        assertThat(endpoint.numeric()).isEqualTo(numeric);
        assertThat(endpoint.toString()).isEqualTo(text);
    }

    @Test
    void shouldResolveLocalhostByName() throws Exception {
        Endpoint endpoint = EndpointParser.parse("localhost:9000", false);
        assertThat(endpoint.address().getAddress()).isEqualTo(InetAddress.getAllByName("localhost")[0]);
        assertThat(endpoint.address().getAddress().isLoopbackAddress()).isTrue();
        assertThat(endpoint.port()).isEqualTo(9000);
    }

    @Test
    void shouldScopeALinkLocalAddressToANamedInterface() throws Exception {
        Endpoint endpoint = EndpointParser.parse("[fe80::1%lo]:9000", false);
        Inet6Address address = (Inet6Address) endpoint.address().getAddress();
        assertThat(address.getScopeId()).isEqualTo(NetworkInterface.getByName("lo").getIndex());
        assertThat(endpoint.numeric()).isEqualTo("[fe80::1%lo]:9000");
    }

    @Test
    void shouldScopeALinkLocalAddressToANumericScope() {
        Inet6Address address = (Inet6Address) EndpointParser.parse("[fe80::1%1]:9000", false).address().getAddress();
        assertThat(address.getScopeId()).isEqualTo(1);
    }

    @Test
    void shouldAllowPortZeroForListenersOnly() {
        assertThat(EndpointParser.parse("127.0.0.1:0", true).port()).isZero();
        assertThatThrownBy(() -> EndpointParser.parse("127.0.0.1:0", false))
            .isInstanceOf(InvalidEndpointException.class)
            .hasMessage("'127.0.0.1:0' has an invalid port '0': expected 1 to 65535");
    }

    @Test
    void shouldDetectMulticastAndFamily() {
        assertThat(Endpoint.parse("239.1.2.3:9").isMulticast()).isTrue();
        assertThat(Endpoint.parse("[ff15::1]:9").isMulticast()).isTrue();
        assertThat(Endpoint.parse("127.0.0.1:9").isMulticast()).isFalse();
        assertThat(Endpoint.parse("239.1.2.3:9").address().getAddress()).isInstanceOf(Inet4Address.class);
        assertThat(Endpoint.parse("[::1]:9").address().getAddress()).isInstanceOf(Inet6Address.class);
        assertThat(Endpoint.parse("[::1]:9").withPort(10).numeric()).isEqualTo("[::1]:10");
        assertThat(EndpointParser.parse("localhost:0", true).withPort(10).text()).isEqualTo("localhost:10");
    }

    @Test
    void shouldRequireAMulticastGroupWhereOneIsExpected() {
        Endpoint group = Endpoint.parse("[ff15::1]:9");
        assertThat(EndpointParser.requireMulticast(group, "--multicast-addr")).isSameAs(group);
        assertThatThrownBy(() -> EndpointParser.requireMulticast(Endpoint.parse("127.0.0.1:9"), "--multicast-addr"))
            .isInstanceOf(InvalidEndpointException.class)
            .hasMessage("--multicast-addr '127.0.0.1:9' is not a multicast address (expected 224.0.0.0/4 or ff00::/8,"
                + " for example [ff15::1]:9918 or 239.1.2.3:9918)");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
        ""                   | empty address: expected HOST:PORT or [IPv6]:PORT
        "   "                | empty address: expected HOST:PORT or [IPv6]:PORT
        127.0.0.1            | '127.0.0.1' has no port: expected HOST:PORT or [IPv6]:PORT
        localhost            | 'localhost' has no port: expected HOST:PORT or [IPv6]:PORT
        127.0.0.1:           | '127.0.0.1:' has an invalid port '': expected 1 to 65535
        127.0.0.1:70000      | '127.0.0.1:70000' has an invalid port '70000': expected 1 to 65535
        127.0.0.1:65536      | '127.0.0.1:65536' has an invalid port '65536': expected 1 to 65535
        127.0.0.1:-1         | '127.0.0.1:-1' has an invalid port '-1': expected 1 to 65535
        127.0.0.1:+9         | '127.0.0.1:+9' has an invalid port '+9': expected 1 to 65535
        127.0.0.1:http       | '127.0.0.1:http' has an invalid port 'http': expected 1 to 65535
        127.0.0.1:9999999999 | '127.0.0.1:9999999999' has an invalid port '9999999999': expected 1 to 65535
        :9000                | ':9000' has no host: expected HOST:PORT or [IPv6]:PORT
        []:9000              | '[]:9000' has no host: expected HOST:PORT or [IPv6]:PORT
        ::1:9000             | '::1:9000' is ambiguous: write IPv6 addresses in brackets, as [::1]:9000
        fe80::1%lo:9000      | 'fe80::1%lo:9000' is ambiguous: write IPv6 addresses in brackets, as [fe80::1%lo]:9000
        [::1]                | '[::1]' has no port: expected [IPv6]:PORT
        [::1]9000            | '[::1]9000' has no port: expected [IPv6]:PORT
        [::1:9000            | '[::1:9000' has no closing ']': expected [IPv6]:PORT
        [::1]:0              | '[::1]:0' has an invalid port '0': expected 1 to 65535
        [fe80::1%nosuch0]:9  | '[fe80::1%nosuch0]:9': unknown network interface 'nosuch0'
        [127.0.0.1%lo]:9     | '[127.0.0.1%lo]:9': a %scope only follows an IPv6 address, as [fe80::1%eth0]:PORT
        [localhost%lo]:9     | '[localhost%lo]:9': a %scope only follows an IPv6 address, as [fe80::1%eth0]:PORT
        """)
    void shouldRejectMalformedAddressesNamingTheValue(String text, String message) {
        assertThatThrownBy(() -> EndpointParser.parse(text, false))
            .isInstanceOf(InvalidEndpointException.class)
            .hasMessage(message);
    }

    @Test
    void shouldRejectAListenerPortAboveTheRangeWithTheListenerRange() {
        assertThatThrownBy(() -> EndpointParser.parse("127.0.0.1:70000", true))
            .isInstanceOf(InvalidEndpointException.class)
            .hasMessage("'127.0.0.1:70000' has an invalid port '70000': expected 0 to 65535");
    }

    @Test
    void shouldRejectAnUnknownHostAsUnresolved() {
        assertThatThrownBy(() -> EndpointParser.parse("no-such-host.invalid:9000", false))
            .isInstanceOf(UnresolvedHostException.class)
            .hasMessage("unknown host 'no-such-host.invalid' in 'no-such-host.invalid:9000'");
    }
}
