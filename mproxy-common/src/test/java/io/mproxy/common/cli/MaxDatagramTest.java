package io.mproxy.common.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.mproxy.common.net.Endpoint;
import io.mproxy.common.net.Interfaces;
import java.net.NetworkInterface;
import java.util.List;
import org.junit.jupiter.api.Test;

class MaxDatagramTest {
    private static final NetworkInterface LOOPBACK = Interfaces.byNameOrAddress("lo");

    @Test
    void shouldAllowTheLargestPayloadWhenEveryDestinationIsALoopbackAddress() {
        assertThat(MaxDatagram.defaultFor(List.of(Endpoint.parse("127.0.0.1:9"), Endpoint.parse("[::1]:9")), null))
            .isEqualTo(65_507);
    }

    @Test
    void shouldAllowTheLargestPayloadForGroupsSentThroughALoopbackInterface() {
        assertThat(MaxDatagram.defaultFor(List.of(Endpoint.parse("239.77.9.1:9"), Endpoint.parse("127.0.0.2:9")),
            LOOPBACK)).isEqualTo(65_507);
    }

    @Test
    void shouldKeep8KiBForAGroupOnTheSystemsInterface() {
        assertThat(MaxDatagram.defaultFor(List.of(Endpoint.parse("239.77.9.1:9")), null)).isEqualTo(8192);
    }

    @Test
    void shouldKeep8KiBWhenOneDestinationIsOffTheHostEvenWithALoopbackGroupInterface() {
        assertThat(MaxDatagram.defaultFor(List.of(Endpoint.parse("239.77.9.1:9"), Endpoint.parse("192.0.2.1:9")),
            LOOPBACK)).isEqualTo(8192);
    }

    @Test
    void shouldKeep8KiBWithoutDestinations() {
        assertThat(MaxDatagram.defaultFor(List.of(), LOOPBACK)).isEqualTo(8192);
    }
}
