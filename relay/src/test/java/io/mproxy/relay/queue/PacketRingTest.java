package io.mproxy.relay.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The shared ring: one copy per packet, one cursor per consumer, room freed by the slowest. */
class PacketRingTest {
    private static final int MAX = 1000;

    @Test
    void shouldShowEveryPacketToEveryCursorInOrder() {
        PacketRing ring = new PacketRing(1 << 16, MAX);
        PacketRing.Cursor a = ring.attach();
        PacketRing.Cursor b = ring.attach();
        for (int i = 0; i < 10; i++) {
            publish(ring, i);
        }
        for (PacketRing.Cursor cursor : new PacketRing.Cursor[] {a, b}) {
            for (int i = 0; i < 10; i++) {
                assertThat(read(ring, cursor)).isEqualTo(i);
            }
            assertThat(cursor.peek()).isEqualTo(-1);
        }
    }

    @Test
    void shouldRefuseToClaimUntilTheSlowestCursorReleasesAndThenWrap() {
        PacketRing ring = new PacketRing(4 * (MAX + PacketRing.HEADER), MAX);
        PacketRing.Cursor fast = ring.attach();
        PacketRing.Cursor slow = ring.attach();
        int published = 0;
        while (ring.claim() != null) {
            publish(ring, published++);
            while (fast.peek() >= 0) {
                fast.advance();
            }
            fast.release();
        }
        assertThat(slow.lagCount()).isEqualTo(published);
        for (int i = 0; i < published; i++) {
            assertThat(read(ring, slow)).isEqualTo(i);
        }
        slow.release();
        for (int i = 0; i < 3 * published; i++) {
            publish(ring, 1000 + i);
            assertThat(read(ring, slow)).isEqualTo(1000 + i);
            slow.release();
            assertThat(read(ring, fast)).isEqualTo(1000 + i);
            fast.release();
        }
    }

    @Test
    void shouldReadTheSameRecordsAgainAfterRewind() {
        PacketRing ring = new PacketRing(1 << 16, MAX);
        PacketRing.Cursor cursor = ring.attach();
        publish(ring, 1);
        publish(ring, 2);
        assertThat(read(ring, cursor)).isEqualTo(1);
        cursor.release();
        assertThat(read(ring, cursor)).isEqualTo(2);
        cursor.rewind();
        assertThat(read(ring, cursor)).isEqualTo(2);
    }

    @Test
    void shouldMakeRecordsOfARegionInPlaceAndByCopyWrapBeforeOneThatDoesNotFitAndRefuseWhileHeld() {
        int record = PacketRing.HEADER + MAX;
        PacketRing ring = new PacketRing(8 * record, MAX);
        PacketRing.Cursor cursor = ring.attach();
        MemorySegment copied = MemorySegment.ofArray(new byte[] {9, 0, 0, 0, 42});
        List<Integer> starts = new ArrayList<>();
        for (int lap = 0; lap < 8; lap++) {
            int region = ring.claimRegion(3 * record);
            starts.add(region);
            // received in place: a 4-byte value, then a record of MAX bytes after it, each after its header's room
            ByteBuffer bytes = ring.duplicateBuffer();
            bytes.putInt(region + PacketRing.HEADER, lap).putInt(region + 2 * PacketRing.HEADER + 4, -lap);
            ring.commit(4, lap);
            ring.commit(MAX, lap);
            ring.append(copied, 1, 4, lap);
            assertThat(cursor.peek()).as("nothing visible before the publication").isEqualTo(-1);
            ring.publish();
            for (int expected : new int[] {lap, -lap, 42}) {
                int index = cursor.peek();
                assertThat(cursor.received(index)).isEqualTo(lap);
                assertThat(bytes.getInt(index + PacketRing.HEADER)).isEqualTo(expected);
                cursor.advance();
            }
            assertThat(cursor.peek()).isEqualTo(-1);
            cursor.release();
        }
        // each lap takes 16 + 1012 + 16 bytes: the region of lap 5 would end past the buffer, so it starts at 0
        assertThat(starts).containsExactly(0, 1044, 2088, 3132, 4176, 0, 1044, 2088);
        ring.commit(MAX, 0);
        assertThatThrownBy(() -> ring.commit(MAX, 0)).as("past the region claimed").isInstanceOf(
            IllegalStateException.class);
        ring.publish();
        assertThat(ring.claimRegion(3 * record)).as("after the record, room before the end").isEqualTo(4144);
        assertThat(ring.claimRegion(8 * record)).as("the cursor holds what was published").isEqualTo(-1);
    }

    @ParameterizedTest(name = "prefault={0}")
    @ValueSource(booleans = {false, true})
    void shouldKeepEveryByteWhenALargeRingIsFaultedInWhileItFillsOrAtStart(boolean prefault) {
        // larger than the pages faulted in ahead of the producer: the first pass runs into pages the consumers fault
        // in, the second over pages that hold the first pass's records
        int capacity = 32 << 20;
        PacketRing ring = new PacketRing(capacity, MAX, prefault);
        PacketRing.Cursor first = ring.attach();
        PacketRing.Cursor second = ring.attach();
        ByteBuffer bytes = ring.duplicateBuffer();
        int records = 2 * capacity / (MAX + PacketRing.HEADER);
        for (int i = 0; i < records; i++) {
            ByteBuffer view = ring.claim();
            view.putInt(i);
            while (view.hasRemaining()) {
                view.put((byte) i);
            }
            ring.commit(MAX, i);
            ring.publish();
            for (PacketRing.Cursor cursor : new PacketRing.Cursor[] {first, second}) {
                int index = cursor.peek();
                assertThat(cursor.length(index)).isEqualTo(MAX);
                assertThat(bytes.getInt(index + PacketRing.HEADER)).isEqualTo(i);
                assertThat(firstWrongByte(bytes, index + PacketRing.HEADER + 4, MAX - 4, (byte) i)).isEqualTo(-1);
                cursor.advance();
                cursor.release();
            }
        }
        assertThat(first.peek()).isEqualTo(-1);
        assertThat(second.readCount()).isEqualTo(records);
    }

    private static int firstWrongByte(ByteBuffer bytes, int from, int length, byte expected) {
        for (int at = from; at < from + length; at++) {
            if (bytes.get(at) != expected) {
                return at;
            }
        }
        return -1;
    }

    private static void publish(PacketRing ring, int value) {
        ByteBuffer view = ring.claim();
        assertThat(view).isNotNull();
        view.putInt(value).put(new byte[value % 7]);
        ring.commit(4 + value % 7, System.nanoTime());
        ring.publish();
    }

    private static int read(PacketRing ring, PacketRing.Cursor cursor) {
        int index = cursor.peek();
        assertThat(index).isNotNegative();
        int value = ring.duplicateBuffer().getInt(index + PacketRing.HEADER);
        assertThat(cursor.length(index)).isEqualTo(4 + value % 7);
        cursor.advance();
        return value;
    }
}
