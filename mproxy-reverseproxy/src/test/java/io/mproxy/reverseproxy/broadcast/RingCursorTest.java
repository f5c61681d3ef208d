package io.mproxy.reverseproxy.broadcast;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The broadcast ring without sockets: records in order, wrap-around, and exact counts of what a reader missed. */
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
}
