package io.mproxy.common.ring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PageWindowTest {
    /** Chunks of 1 KiB keep the numbers small: the arithmetic does not depend on the page size. */
    private static final long K = 1024;
    /** A ring of 16 chunks, 1 present at start, 4 ahead, 2 kept. */
    private final PageWindow window = new PageWindow(16 * K, K, 1, 4 * K, 2 * K);
    private final List<String> ranges = new ArrayList<>();

    /** Records a chunk as "offset+length" in KiB, with a partial length in bytes. */
    private void record(long offset, long length) {
        ranges.add(offset / K + "+" + (length % K == 0 ? length / K + "" : length + " bytes"));
    }

    @Test
    void shouldFaultInTheChunksAheadOfTheProducerThatAreNotPresentNearestFirst() {
        assertThat(window.presentChunks()).isEqualTo(1);
        assertThat(window.extend(0, this::record)).as("come back half of ahead on").isEqualTo(2 * K);
        assertThat(ranges).containsExactly("1+1", "2+1", "3+1");
        ranges.clear();
        assertThat(window.extend(2 * K + 100, this::record)).isEqualTo(4 * K + 100);
        assertThat(ranges).as("the positions up to 6 KiB + 100 touch chunks 2 to 6")
            .containsExactly("4+1", "5+1", "6+1");
        assertThat(window.presentChunks()).isEqualTo(7);
    }

    @Test
    void shouldWrapAroundTheEndOfTheRing() {
        window.extend(14 * K, this::record);
        assertThat(ranges).as("chunk 0 is present from the start").containsExactly("14+1", "15+1", "1+1");
    }

    @Test
    void shouldReportFullWhenEveryChunkIsPresent() {
        for (long tail = 0; tail < 16 * K; tail += 4 * K) {
            window.extend(tail, this::record);
        }
        assertThat(window.isFull()).isTrue();
        assertThat(window.extend(3 * K, this::record)).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void shouldGiveBackEveryChunkButTheKeptOnesFarthestFirstAskingWithThePositionTheProducerWouldReach() {
        for (long tail = 0; tail < 16 * K; tail += 4 * K) {
            window.extend(tail, this::record);
        }
        ranges.clear();
        List<Long> asked = new ArrayList<>();
        long tail = 21 * K + 10;  // lap 1, chunk 5
        assertThat(window.isWorthTrimming()).isTrue();
        window.trim(tail, tail, position -> asked.add(position), this::record);
        // kept: chunks 5 and 6 (positions 21 KiB + 10 to 23 KiB + 10 touch chunk 7 too: kept as well)
        assertThat(ranges).containsExactly("4+1", "3+1", "2+1", "1+1", "0+1", "15+1", "14+1", "13+1", "12+1", "11+1",
            "10+1", "9+1", "8+1");
        assertThat(asked).containsExactly(36 * K, 35 * K, 34 * K, 33 * K, 32 * K, 31 * K, 30 * K, 29 * K, 28 * K,
            27 * K, 26 * K, 25 * K, 24 * K);
        assertThat(window.presentChunks()).isEqualTo(3);
        assertThat(window.isPresent(5)).isTrue();
        assertThat(window.isPresent(7)).isTrue();
        assertThat(window.isWorthTrimming()).isFalse();
    }

    @Test
    void shouldKeepTheChunksThatHoldTheBacklogTheConsumerHasNotReleased() {
        for (long tail = 0; tail < 16 * K; tail += 4 * K) {
            window.extend(tail, this::record);
        }
        ranges.clear();
        // released up to 18 KiB (chunk 2 of lap 1), produced up to 21 KiB + 10 (chunk 5): chunks 2 to 5 hold records
        window.trim(18 * K, 21 * K + 10, position -> true, this::record);
        assertThat(ranges).containsExactly("1+1", "0+1", "15+1", "14+1", "13+1", "12+1", "11+1", "10+1", "9+1",
            "8+1");
        assertThat(window.presentChunks()).as("chunks 2 to 7").isEqualTo(6);
    }

    @Test
    void shouldStopGivingBackAtTheFirstRefusal() {
        for (long tail = 0; tail < 16 * K; tail += 4 * K) {
            window.extend(tail, this::record);
        }
        ranges.clear();
        int[] calls = {0};
        window.trim(5 * K, 5 * K, position -> ++calls[0] < 3, this::record);
        assertThat(ranges).containsExactly("4+1", "3+1");
        assertThat(window.presentChunks()).isEqualTo(14);
    }

    @Test
    void shouldGiveBackChunksThatItNeverFaultedInAndFaultThemInAgainAfterwards() {
        window.trim(8 * K, 8 * K, position -> true, this::record);
        assertThat(ranges).as("chunks 8 and 9 kept").containsExactly("7+1", "6+1", "5+1", "4+1", "3+1", "2+1", "1+1",
            "0+1", "15+1", "14+1", "13+1", "12+1", "11+1", "10+1");
        assertThat(window.presentChunks()).isZero();
        ranges.clear();
        window.extend(8 * K, this::record);
        assertThat(ranges).containsExactly("8+1", "9+1", "10+1", "11+1");
    }

    @Test
    void shouldCutTheLastChunkShortWhenTheRingIsNotAWholeNumberOfChunks() {
        PageWindow odd = new PageWindow(10 * K + 512, 4 * K, 0, 4 * K, K);
        odd.extend(8 * K, this::record);
        assertThat(ranges).containsExactly("8+2560 bytes", "0+4");
    }
}
