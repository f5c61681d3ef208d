package io.mproxy.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.mproxy.common.net.Endpoint;
import io.mproxy.common.net.Interfaces;
import io.mproxy.common.net.MulticastSettings;
import org.junit.jupiter.api.Test;

class ClientContextTest {
    @Test
    void shouldSend64KiBDatagramsAtTheLoopbackRateWhenEveryServerIsOnLoopback() {
        ClientContext context = new ClientContext().path("in").destination(Endpoint.parse("127.0.0.1:9920"))
            .destination(Endpoint.parse("[::1]:9920"));

        assertThat(context.maxDatagram()).isEqualTo(65_507);
        assertThat(context.rate()).isEqualTo(800_000_000L);
    }

    @Test
    void shouldKeepTheNetworkDefaultsWhenAServerIsNotOnLoopback() {
        ClientContext context = new ClientContext().path("in").destination(Endpoint.parse("127.0.0.1:9920"))
            .destination(Endpoint.parse("192.0.2.1:9920"));

        assertThat(context.maxDatagram()).isEqualTo(8192);
        assertThat(context.rate()).isEqualTo(300_000_000L);
    }

    @Test
    void shouldSend64KiBDatagramsAtTheNetworkRateToAGroupPinnedToLoopback() {
        ClientContext context = new ClientContext().path("in").destination(Endpoint.parse("239.77.9.1:9920"))
            .destination(Endpoint.parse("127.0.0.1:9920"))
            .multicast(new MulticastSettings(Interfaces.byNameOrAddress("lo"), 0, true));

        assertThat(context.maxDatagram()).isEqualTo(65_507);
        assertThat(context.rate()).isEqualTo(300_000_000L);
    }

    @Test
    void shouldKeepTheNetworkDefaultsForAGroupWithoutALoopbackInterface() {
        ClientContext context = new ClientContext().path("in").destination(Endpoint.parse("239.77.9.1:9920"));

        assertThat(context.maxDatagram()).isEqualTo(8192);
        assertThat(context.rate()).isEqualTo(300_000_000L);
    }

    @Test
    void shouldKeepTheNetworkDefaultsWhenThereIsNoServer() {
        ClientContext context = new ClientContext().path("in").tee(true);

        assertThat(context.maxDatagram()).isEqualTo(8192);
        assertThat(context.rate()).isEqualTo(300_000_000L);
    }

    @Test
    void shouldKeepWhatWasGivenWhenEveryServerIsOnLoopback() {
        ClientContext context = new ClientContext().path("in").destination(Endpoint.parse("127.0.0.1:9920"))
            .maxDatagram(1400).rate(0);

        assertThat(context.maxDatagram()).isEqualTo(1400);
        assertThat(context.rate()).isZero();
    }
}
