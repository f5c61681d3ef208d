package io.mproxy.reverseproxy.broadcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mproxy.common.ring.LazyMemory;
import io.mproxy.common.test.ResidentPages;
import io.mproxy.reverseproxy.net.BatchReceiveLoop;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** What the broadcast ring really holds in memory (counted with {@code mincore}): nothing until traffic arrives. */
class BroadcastRingMemoryTest {
    @Test
    void shouldHoldNoPageWhileTheReceiverWaitsThenFaultInAheadOfItFromTheFirstDatagram() {
        assumeTrue(LazyMemory.isAvailable() && ResidentPages.isAvailable(),
            "mmap and mincore through the foreign function API");
        BroadcastRing ring = new BroadcastRing(64 << 20, GroupReader.maxRecord());
        MemorySegment memory = MemorySegment.ofAddress(ring.slotAddress() - BroadcastRing.HEADER)
            .reinterpret(ring.capacity());
        for (int round = 0; round < 5; round++) {
            // what the group reader does before each receive call, and again each time the call times out idle
            assertThat(ring.claimSlots(BatchReceiveLoop.BATCH)).isEqualTo(BatchReceiveLoop.BATCH);
        }
        assertThat(ResidentPages.of(memory)).as("an idle receiver's claims").isZero();

        MemorySegment.ofAddress(ring.slotAddress()).reinterpret(100).fill((byte) 7);
        ring.commitSlot(100, 0);
        ring.publish();
        assertThat(ResidentPages.of(memory)).as("the page the first datagram went to").isEqualTo(1);
        ring.claimSlots(BatchReceiveLoop.BATCH);
        assertThat(ResidentPages.of(memory)).as("the first step ahead of the producer")
            .isEqualTo(2 * ResidentPages.PER_MIB);
    }
}
