package io.mproxy.common.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mproxy.common.test.Await;
import io.mproxy.common.test.ResidentPages;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a paged ring really holds in memory (counted with {@code mincore}), as its producer moves and it idles. */
class RingMemoryTest {
    private static final int PAGES_PER_MIB = ResidentPages.PER_MIB;
    /** Records of 4092 bytes take one page each with their header. */
    private static final int RECORD = 4092;

    /** A pager never started: each test moves the ring's pages itself, so what is resident is exact. */
    private final RingPager pager = new RingPager(Long.MAX_VALUE);

    private static long residentPages(ByteBuffer buffer) {
        return ResidentPages.of(MemorySegment.ofBuffer(buffer));
    }

    private static void pass(DatagramRing ring, int records) {
        ByteBuffer record = ByteBuffer.allocate(RECORD);
        for (int i = 0; i < records; i++) {
            record.clear().putInt(0, i);
            assertThat(ring.offer(record)).isTrue();
            int[] seen = {-1};
            ring.read((buffer, offset, length) -> seen[0] = buffer.getInt(offset), 1);
            ring.release();
            assertThat(seen[0]).isEqualTo(i);
        }
    }

    @Test
    void shouldHoldNothingAtStartThenFaultInAheadOfTheProducerThenGiveBackAllButWhatIsKept()
        throws Throwable {
        assumeTrue(LazyMemory.isAvailable() && ResidentPages.isAvailable(),
            "mmap and mincore through the foreign function API");
        DatagramRing ring = DatagramRing.paged(64 << 20, RECORD, new Wakeup(), pager);
        RingMemory memory = ring.memory();
        ByteBuffer buffer = memory.buffer();
        assertThat(residentPages(buffer)).as("at start").isZero();

        pass(ring, 8 * PAGES_PER_MIB);
        assertThat(ring.published()).isEqualTo(8 << 20);
        assertThat(residentPages(buffer)).as("what the producer wrote")
            .isEqualTo(8 * PAGES_PER_MIB);

        memory.extend(ring.published());
        assertThat(residentPages(buffer)).as("32 MiB ahead of the producer").isEqualTo(40 * PAGES_PER_MIB);

        assertThat(ring.isDrained()).isTrue();
        assertThat(memory.trim(ring.released(), ring.published())).isTrue();
        assertThat(residentPages(buffer)).as("2 MiB kept from the producer on").isEqualTo(2 * PAGES_PER_MIB);
        assertThat(memory.trim(ring.released(), ring.published())).as("nothing more to give back").isFalse();

        pass(ring, 60 * PAGES_PER_MIB);
        assertThat(ring.published()).as("a lap and 4 MiB").isEqualTo(68 << 20);
        assertThat(residentPages(buffer)).as("offsets 8 MiB to the end and 0 to 4 MiB, written")
            .isEqualTo(60 * PAGES_PER_MIB);
        memory.extend(ring.published());
        assertThat(residentPages(buffer)).as("and the chunks from 4 MiB on: the whole ring")
            .isEqualTo(64 * PAGES_PER_MIB);
        int record13312 = (60 << 20) + 4;
        assertThat(buffer.getInt(record13312)).as("record 13312 of the second pass, after its header")
            .isEqualTo(13_312);

        assertThat(memory.trim(ring.released(), ring.published())).isTrue();
        assertThat(residentPages(buffer)).as("kept: the chunk of offsets 4 to 6 MiB").isEqualTo(2 * PAGES_PER_MIB);
        pass(ring, 100);
        assertThat(residentPages(buffer)).as("written within what was kept").isEqualTo(2 * PAGES_PER_MIB);
        assertThat(buffer.getInt(record13312)).as("given back: reads as zero").isZero();
    }

    @Test
    void shouldHaveThePagerFaultInAheadWhenTheProducerMovesAndGiveBackWhenTheRingIdles() throws Throwable {
        assumeTrue(LazyMemory.isAvailable() && ResidentPages.isAvailable(),
            "mmap and mincore through the foreign function API");
        try (RingPager running = new RingPager(1_000_000_000L).start()) {
            DatagramRing ring = DatagramRing.paged(64 << 20, RECORD, new Wakeup(), running);
            ByteBuffer buffer = ring.memory().buffer();
            pass(ring, 8 * PAGES_PER_MIB);
            // woken by the producer's first commit: 32 MiB ahead of it (40 MiB), later given back to the 2 MiB from
            // the producer on, once it received less than a quarter of the ring in 1 s; polled, as either may come
            // first
            List<Long> seen = new ArrayList<>();
            Await.until("the ring to be faulted in ahead, then given back", () -> {
                long resident = residentPages(buffer);
                if (seen.isEmpty() || seen.getLast() != resident) {
                    seen.add(resident);
                }
                return resident == 2 * PAGES_PER_MIB;
            }, Await.DEFAULT, seen::toString);
            assertThat(seen).as("resident pages seen").contains(40L * PAGES_PER_MIB);
            assertThat(ring.memory().window().presentChunks()).as("the 2 MiB chunk at 8 MiB").isEqualTo(1);
            assertThat(ring.memory().window().isPresent(4)).isTrue();
        }
    }

    @Test
    void shouldFaultInTheWholeRingAtStartWhenPrefaulted() throws Throwable {
        assumeTrue(LazyMemory.isAvailable() && ResidentPages.isAvailable(),
            "mmap and mincore through the foreign function API");
        DatagramRing ring = new DatagramRing(16 << 20, RECORD, new Wakeup());
        assertThat(residentPages(ring.memory().buffer())).isEqualTo(16 * PAGES_PER_MIB);
        assertThat(ring.memory().trim(0, 0)).as("a prefaulted ring keeps its pages").isFalse();
    }
}
