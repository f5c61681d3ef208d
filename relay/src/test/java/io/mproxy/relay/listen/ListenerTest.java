package io.mproxy.relay.listen;

import static org.assertj.core.api.Assertions.assertThat;

import io.mproxy.common.stats.Counter;
import io.mproxy.common.stats.Counters;
import io.mproxy.common.test.Await;
import io.mproxy.relay.queue.PacketRing;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The listener thread survives receive errors. */
class ListenerTest {
    @Test
    void shouldKeepReceivingWhenOneReceiveFails() {
        AtomicInteger calls = new AtomicInteger();
        DatagramSource.OneDatagram socket = (into, wait) -> {
            int call = calls.incrementAndGet();
            if (call == 2) {
                throw new IOException("boom");
            }
            if (call > 3) {
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
                return -1;
            }
            into.put((byte) call);
            return 1;
        };
        DatagramSource source = new DatagramSource() {
            @Override
            public int receiveInto(PacketRing ring, Counters counters, boolean wait) throws IOException {
                return DatagramSource.receiveOne(ring, counters, socket, wait);
            }

            @Override
            public String boundAddress() {
                return "test";
            }

            @Override
            public void close() {
            }
        };
        PacketRing ring = new PacketRing(1 << 20, 65_535);
        PacketRing.Cursor cursor = ring.attach();
        Counters counters = new Counters("listener test");
        try (Listener listener = new Listener("test", source, ring, counters).start()) {
            Await.until("two packets", () -> counters.get(Counter.DATAGRAMS_IN) == 2);
            assertThat(counters.get(Counter.ERRORS)).isEqualTo(1);
        }
        int first = cursor.peek();
        assertThat(cursor.length(first)).isEqualTo(1);
        cursor.advance();
        int second = cursor.peek();
        assertThat(cursor.length(second)).isEqualTo(1);
        cursor.advance();
        assertThat(cursor.peek()).isEqualTo(-1);
    }
}
