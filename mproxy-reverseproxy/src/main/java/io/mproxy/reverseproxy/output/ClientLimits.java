package io.mproxy.reverseproxy.output;

import java.util.Objects;

/**
 * How far behind the group an output may fall, and what happens beyond that.
 *
 * @param clientBuffer   bytes of the ring an output may be behind before {@code slow} applies.
 * @param slow           the slow-client policy.
 * @param sendBuffer     SO_SNDBUF for TCP outputs, 0 for the kernel's autotuning.
 * @param drainMillis    how long outputs may take at shutdown to write what they still hold.
 */
public record ClientLimits(long clientBuffer, SlowClientPolicy slow, int sendBuffer, long drainMillis) {
    /**
     * @param clientBuffer positive.
     * @param slow         the policy.
     * @param sendBuffer   0 or more.
     * @param drainMillis  0 or more.
     */
    public ClientLimits {
        Objects.requireNonNull(slow, "slow");
        if (clientBuffer <= 0 || sendBuffer < 0 || drainMillis < 0) {
            throw new IllegalArgumentException("bad client limits");
        }
    }
}
