package io.mproxy.common.ring;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class FirstPassPopulatorTest {
    private static final long MIB = 1 << 20;

    @Test
    void shouldFaultInOneStepPerCallWhileLessThanAheadIsPresent() {
        try (Arena arena = Arena.ofConfined()) {
            FirstPassPopulator populator = new FirstPassPopulator(LazyMemory.allocate(8 * MIB, arena), 3 * MIB, MIB);

            populator.ahead(0);
            assertThat(populator.populatedTo()).isEqualTo(MIB);
            populator.ahead(0);
            populator.ahead(0);
            assertThat(populator.populatedTo()).isEqualTo(3 * MIB);
            populator.ahead(0);
            assertThat(populator.populatedTo()).as("3 MiB ahead of position 0 are present").isEqualTo(3 * MIB);
            populator.ahead(MIB / 2);
            assertThat(populator.populatedTo()).isEqualTo(4 * MIB);
            assertThat(populator.isComplete()).isFalse();
        }
    }

    @Test
    void shouldCompleteAtTheEndOfTheRingAndThenDoNothing() {
        try (Arena arena = Arena.ofConfined()) {
            FirstPassPopulator populator = new FirstPassPopulator(LazyMemory.allocate(2 * MIB + 4096, arena),
                4 * MIB, MIB);

            populator.ahead(0);
            populator.ahead(0);
            assertThat(populator.isComplete()).isFalse();
            populator.ahead(0);
            assertThat(populator.populatedTo()).as("the last step is shorter").isEqualTo(2 * MIB + 4096);
            assertThat(populator.isComplete()).isTrue();
            populator.ahead(10 * MIB);
            assertThat(populator.populatedTo()).isEqualTo(2 * MIB + 4096);
        }
    }

    @Test
    void shouldFaultEverythingInAtOnceAndKeepWhatWasWritten() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment memory = LazyMemory.allocate(4 * MIB, arena);
            FirstPassPopulator populator = new FirstPassPopulator(memory, MIB, MIB);
            populator.ahead(0);
            memory.set(JAVA_BYTE, 100, (byte) 42);

            populator.all();

            assertThat(populator.isComplete()).isTrue();
            assertThat(populator.populatedTo()).isEqualTo(4 * MIB);
            assertThat(memory.get(JAVA_BYTE, 100)).isEqualTo((byte) 42);
        }
    }

    @Test
    void shouldRefuseANonPositiveStep() {
        MemorySegment memory = LazyMemory.allocate(MIB);
        assertThatThrownBy(() -> new FirstPassPopulator(memory, MIB, 0))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("ahead and step must be positive: 1048576, 0");
    }
}
