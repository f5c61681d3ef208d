package io.mproxy.common.io;

import static org.assertj.core.api.Assertions.assertThat;

import io.mproxy.common.test.Await;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PacerTest {
    @Test
    void shouldLetAWaitingSenderGoAtOnceWhenReleased() {
        Pacer pacer = new Pacer(1);
        AtomicInteger sent = new AtomicInteger();
        Thread sender = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < 3; i++) {
                pacer.acquire(1_000);
                sent.incrementAndGet();
            }
        });
        Await.until("the first send, which is due at once", () -> sent.get() == 1);
        assertThat(pacer.isPacing()).isTrue();
        pacer.release();
        Await.until("the sends due in 1000 s and 2000 s to go once released", () -> sent.get() == 3);
        Await.until("the sender to end", () -> !sender.isAlive());
    }

    @Test
    void shouldNeverWaitWithoutARate() {
        Pacer pacer = new Pacer(0);
        assertThat(pacer.isPacing()).isFalse();
        for (int i = 0; i < 1_000; i++) {
            pacer.acquire(1 << 20);
        }
    }
}
