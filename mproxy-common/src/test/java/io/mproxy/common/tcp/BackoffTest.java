package io.mproxy.common.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
    @Test
    void shouldDoubleTheBoundUpToTheCapWithJitterInTheUpperHalf() {
        Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofMillis(1000));
        long[] bounds = {100, 200, 400, 800, 1000, 1000, 1000};
        for (long bound : bounds) {
            long delay = backoff.next().toMillis();
            assertThat(delay).isBetween(bound / 2, bound);
        }
        assertThat(backoff.attempts()).isEqualTo(bounds.length);
    }

    @Test
    void shouldStartAgainAfterReset() {
        Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(30));
        for (int i = 0; i < 10; i++) {
            backoff.next();
        }
        backoff.reset();
        assertThat(backoff.next().toMillis()).isBetween(50L, 100L);
    }

    @Test
    void shouldRejectACapBelowTheFirstDelay() {
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("backoff needs 0 < first <= cap, got PT2S and PT1S");
    }
}
