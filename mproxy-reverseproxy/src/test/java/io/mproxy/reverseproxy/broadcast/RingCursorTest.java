package io.mproxy.reverseproxy.broadcast;

import static org.assertj.core.api.Assertions.assertThat;

import io.mproxy.common.net.DatagramBatch;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The broadcast ring without sockets: records in order, wrap-around, exact counts of the datagrams a reader missed,
 * and records received straight into slots (moved down, or left behind a gap).
 */
class RingCursorTest {
    private static final int MAX = 1000;

    private static void publish(BroadcastRing ring, String text) {
        ByteBuffer view = ring.claim(text.length());
        view.put(text.getBytes(StandardCharsets.US_ASCII));
        ring.commit(text.length());
        ring.publish();
    }

    private static String read(RingCursor cursor, int count) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < count; i++) {
            ByteBuffer view = cursor.views()[i];
            byte[] bytes = new byte[view.remaining()];
            view.get(bytes);
            text.append(new String(bytes, StandardCharsets.US_ASCII)).append('|');
        }
        return text.toString();
    }

    @Test
    void shouldGiveEveryReaderEveryRecordInOrderWhenTheyKeepUp() {
        BroadcastRing ring = new BroadcastRing(64 << 10, MAX);
        RingCursor first = new RingCursor(ring, 16);
        RingCursor second = new RingCursor(ring, 16);
        publish(ring, "a");
        publish(ring, "bb");
        publish(ring, "");
        int count = first.gather();
        assertThat(count).isEqualTo(3);
        assertThat(first.intact()).isTrue();
        assertThat(read(first, count)).isEqualTo("a|bb||");
        assertThat(first.advance(count)).isZero();
        assertThat(first.hasData()).isFalse();
        assertThat(second.gather()).isEqualTo(3);
        assertThat(read(second, 3)).isEqualTo("a|bb||");
    }

    @Test
    void shouldReadAcrossTheEndOfTheBufferWhenRecordsWrap() {
        BroadcastRing ring = new BroadcastRing(8 * (MAX + BroadcastRing.HEADER), MAX);
        RingCursor cursor = new RingCursor(ring, 4);
        StringBuilder expected = new StringBuilder();
        StringBuilder seen = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            String record = i + "-" + "x".repeat(i * 37 % 900);
            publish(ring, record);
            expected.append(record).append('|');
            int count = cursor.gather();
            assertThat(cursor.intact()).isTrue();
            seen.append(read(cursor, count));
            assertThat(cursor.advance(count)).isZero();
        }
        assertThat(seen.toString()).isEqualTo(expected.toString());
    }

    @Test
    void shouldCountExactlyWhatWasMissedWhenAReaderIsLappedOrSkipsAhead() {
        BroadcastRing ring = new BroadcastRing(8 * (MAX + BroadcastRing.HEADER), MAX);
        RingCursor slow = new RingCursor(ring, 8);
        for (int i = 0; i < 50; i++) {
            publish(ring, "record " + i + " " + "y".repeat(500));
        }
        slow.gather();
        assertThat(slow.intact()).as("the producer lapped the reader").isFalse();
        slow.toTail(true);
        publish(ring, "record 50");
        int count = slow.gather();
        assertThat(slow.intact()).isTrue();
        assertThat(read(slow, count)).isEqualTo("record 50|");
        assertThat(slow.advance(count)).as("records 0 to 49 missed").isEqualTo(50);
        publish(ring, "record 51");
        publish(ring, "record 52");
        assertThat(slow.abandon()).as("published but not delivered").isEqualTo(2);
        assertThat(slow.hasData()).isFalse();
    }

    @Test
    void shouldNotCountWhatCameBeforeWhenAReaderStartsAfresh() {
        BroadcastRing ring = new BroadcastRing(64 << 10, MAX);
        publish(ring, "before");
        RingCursor late = new RingCursor(ring, 8);
        late.toTail(false);
        publish(ring, "after");
        int count = late.gather();
        assertThat(read(late, count)).isEqualTo("after|");
        assertThat(late.advance(count)).isZero();
        assertThat(late.abandon()).isZero();
    }

    /** Writes {@code text} into slot {@code slot} of the last claim, as a receive into the ring does. */
    private static void receive(BroadcastRing ring, int slot, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        MemorySegment.ofAddress(ring.slotAddress() + (long) slot * ring.slotStride()).reinterpret(bytes.length)
            .copyFrom(MemorySegment.ofArray(bytes));
    }

    @Test
    void shouldKeepEveryRecordReceivedIntoSlotsWhetherMovedDownOrLeftBehindAGap() {
        BroadcastRing ring = new BroadcastRing(64 * (MAX + BroadcastRing.HEADER), MAX);
        RingCursor cursor = new RingCursor(ring, 16);
        String run = "r".repeat(MAX - 8);
        StringBuilder expected = new StringBuilder();
        StringBuilder seen = new StringBuilder();
        long datagrams = 0;
        for (int round = 0; round < 40; round++) {
            int slots = ring.claimSlots(4);
            assertThat(slots).isBetween(1, 4);
            // a run after a run stays in its slot behind a gap of 8 bytes; what follows a short record is moved down
            String[] records = {run, run.substring(round % 8), round + "-a", run};
            int[] segments = {100, 7, 0, 100};
            for (int i = 0; i < slots; i++) {
                receive(ring, i, records[i]);
            }
            for (int i = 0; i < slots; i++) {
                ring.commitSlot(records[i].length(), segments[i]);
                expected.append(records[i]).append('|');
                datagrams += DatagramBatch.datagramsIn(records[i].length(), segments[i]);
            }
            ring.publish();
            if (round == 0) {
                assertThat(ring.tail()).as("3 records of 992 bytes, one of 3, and one gap")
                    .isEqualTo(3 * 1008 + 24 + 8);
            }
            int count = cursor.gather();
            assertThat(cursor.intact()).isTrue();
            seen.append(read(cursor, count));
            for (int i = 0; i < count; i++) {
                assertThat(cursor.segmentSize(i)).isEqualTo(segments[i]);
            }
            assertThat(cursor.advance(count)).isZero();
        }
        assertThat(seen.toString()).isEqualTo(expected.toString());
        assertThat(ring.published()).as("sequence numbers count datagrams").isEqualTo(datagrams);
    }

    @Test
    void shouldCountTheDatagramsOfMissedRunsNotTheRecords() {
        BroadcastRing ring = new BroadcastRing(8 * (MAX + BroadcastRing.HEADER), MAX);
        RingCursor reader = new RingCursor(ring, 8);
        ring.claimSlots(2);
        receive(ring, 0, "x".repeat(950));
        receive(ring, 1, "y".repeat(10));
        ring.commitSlot(950, 100);
        ring.commitSlot(10, 0);
        ring.publish();
        assertThat(reader.gather()).isEqualTo(2);
        assertThat(reader.datagrams(0)).as("950 bytes of 100-byte datagrams").isEqualTo(10);
        assertThat(reader.datagrams(0, 2)).isEqualTo(11);
        reader.toTail(true);
        publish(ring, "after");
        int count = reader.gather();
        assertThat(read(reader, count)).isEqualTo("after|");
        assertThat(reader.advance(count)).as("the run's 10 datagrams and the one after it").isEqualTo(11);
    }
}
