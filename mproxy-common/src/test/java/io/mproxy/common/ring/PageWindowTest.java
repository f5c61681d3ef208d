package io.mproxy.common.ring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PageWindowTest {
    private static final long P = PageWindow.PAGE;
    /** A ring of 64 pages, 4 present at start, 16 ahead, 4 per step, 4 kept. */
    private final PageWindow window = new PageWindow(64 * P, 4 * P, 16 * P, 4 * P, 4 * P);
    private final List<String> ranges = new ArrayList<>();

    /** Records a range in pages: "offset+length", with a partial page written as "+N bytes". */
    private void record(long offset, long length) {
        assertThat(offset % P).as("page-aligned start").isZero();
        ranges.add(offset / P + "+" + length / P + (length % P == 0 ? "" : " +" + length % P + " bytes"));
    }

    @Test
    void shouldFaultInFromTheEndOfWhatIsPresentToAheadOfTheProducerOneStepAtATime() {
        assertThat(window.wakeAt()).as("half of ahead before the end: the first commit wakes the pager")
            .isEqualTo(-4 * P);
        window.extend(0, this::record);
        assertThat(ranges).containsExactly("4+4", "8+4", "12+4");
        assertThat(window.end()).isEqualTo(16 * P);
        assertThat(window.wakeAt()).isEqualTo(8 * P);
    }

    @Test
    void shouldRoundAPartialPageOutwardAndNotFaultInTwice() {
        window.extend(0, this::record);
        ranges.clear();
        window.extend(10 * P + 100, this::record);
        assertThat(ranges).containsExactly("16+4", "20+4", "24+3");
        assertThat(window.end()).isEqualTo(26 * P + 100);
    }

    @Test
    void shouldStopAtOneLapAndNeverWakeThePagerAgain() {
        window.extend(60 * P, this::record);
        assertThat(ranges).as("what the producer passed is present: from 60 pages on")
            .containsExactly("60+4");
        assertThat(window.isFull()).isTrue();
        assertThat(window.wakeAt()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void shouldGiveBackEverythingButWhatIsKeptFromTheFarEndSplitAtTheWrap() {
        window.extend(60 * P, this::record);
        ranges.clear();
        List<Long> asked = new ArrayList<>();
        long tail = 70 * P;
        assertThat(window.isWorthTrimming(tail)).isTrue();
        window.trim(tail, position -> asked.add(position), this::record);
        assertThat(asked).containsExactly(130 * P, 126 * P, 122 * P, 118 * P, 114 * P, 110 * P, 106 * P, 102 * P,
            98 * P, 94 * P, 90 * P, 86 * P, 82 * P, 78 * P, 74 * P);
        assertThat(ranges).containsExactly("2+4", "62+2", "0+2", "58+4", "54+4", "50+4", "46+4", "42+4", "38+4",
            "34+4", "30+4", "26+4", "22+4", "18+4", "14+4", "10+4");
        assertThat(window.from()).isEqualTo(70 * P);
        assertThat(window.end()).as("offsets 6 to 9 kept").isEqualTo(74 * P);
        assertThat(window.isWorthTrimming(tail)).isFalse();
        assertThat(window.wakeAt()).isEqualTo(66 * P);
    }

    @Test
    void shouldStopGivingBackAtTheFirstRefusalAndKeepWhatItDidNotFree() {
        window.extend(60 * P, this::record);
        ranges.clear();
        int[] calls = {0};
        window.trim(70 * P, position -> ++calls[0] < 3, this::record);
        assertThat(ranges).containsExactly("2+4", "62+2", "0+2");
        assertThat(window.from()).isEqualTo(70 * P);
        assertThat(window.end()).isEqualTo(126 * P);
    }

    @Test
    void shouldFaultInAgainAfterATrimFromWhatWasKept() {
        window.extend(60 * P, this::record);
        window.trim(70 * P, position -> true, (offset, length) -> { });
        ranges.clear();
        window.extend(71 * P, this::record);
        assertThat(ranges).containsExactly("10+4", "14+4", "18+4", "22+1");
        assertThat(window.end()).isEqualTo(87 * P);
    }

    @Test
    void shouldNeverGiveBackThePartialLastPageOfARingThatIsNotAWholeNumberOfPages() {
        PageWindow odd = new PageWindow(10 * P + 100, P, 4 * P, 4 * P, P);
        odd.extend(8 * P, this::record);
        assertThat(ranges).as("outward, but not past the ring's end").containsExactly("8+2 +100 bytes");
        assertThat(odd.isFull()).isTrue();
        ranges.clear();
        odd.trim(9 * P, position -> true, this::record);
        // keeps positions 9P..10P (offsets 9P to 10P); frees 10P..19P+100: offsets 10P to the end (the partial
        // page, not given back), then 0 to 9P+100 (rounded in to 9P)
        assertThat(ranges).containsExactly("5+4", "1+4", "0+1");
    }
}
