package io.mproxy.common.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DatagramRingTest {
    /** Records of up to 100 bytes take 104 with their header: the smallest ring holds two of them. */
    private static final int MAX = 100;
    private static final int CAPACITY = 2 * (MAX + 4);

    private final DatagramRing ring = new DatagramRing(CAPACITY, MAX, new Wakeup());

    private static ByteBuffer bytes(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    private List<String> readAll(int maxRecords) {
        List<String> records = new ArrayList<>();
        ring.read((buffer, offset, length) -> {
            byte[] copy = new byte[length];
            buffer.get(offset, copy);
            records.add(new String(copy, StandardCharsets.ISO_8859_1));
        }, maxRecords);
        return records;
    }

    @Test
    void shouldReadRecordsInTheOrderOffered() {
        assertThat(ring.offer(bytes("one"))).isTrue();
        assertThat(ring.offer(bytes(""))).isTrue();
        assertThat(ring.offer(bytes("three"))).isTrue();
        assertThat(ring.hasRecords()).isTrue();
        assertThat(readAll(10)).containsExactly("one", "", "three");
        assertThat(ring.hasRecords()).isFalse();
        assertThat(ring.isDrained()).isFalse();
        ring.release();
        assertThat(ring.isDrained()).isTrue();
    }

    @Test
    void shouldReadAtMostTheRecordsAskedFor() {
        for (String s : new String[] {"a", "b", "c"}) {
            ring.offer(bytes(s));
        }
        assertThat(readAll(2)).containsExactly("a", "b");
        assertThat(readAll(2)).containsExactly("c");
        assertThat(readAll(2)).isEmpty();
    }

    @Test
    void shouldLeaveTheOfferedBufferUnchanged() {
        ByteBuffer datagram = bytes("abc");
        ring.offer(datagram);
        assertThat(datagram.position()).isZero();
        assertThat(datagram.remaining()).isEqualTo(3);
    }

    @Test
    void shouldHoldTwoRecordsOfMaximumSizeAndRefuseAThirdUntilOneIsReleased() {
        String full = "x".repeat(MAX);
        assertThat(ring.offer(bytes(full))).isTrue();
        assertThat(ring.offer(bytes(full))).isTrue();
        assertThat(ring.claim()).as("a full ring").isNull();
        assertThat(ring.offer(bytes("y"))).isFalse();
        assertThat(readAll(1)).containsExactly(full);
        assertThat(ring.offer(bytes("y"))).as("read but not released").isFalse();
        ring.release();
        assertThat(ring.offer(bytes("y" + full.substring(1)))).isTrue();
        assertThat(readAll(10)).containsExactly(full, "y" + full.substring(1));
    }

    @Test
    void shouldRefuseARecordLargerThanTheMaximum() {
        assertThat(ring.offer(bytes("x".repeat(MAX + 1)))).isFalse();
        assertThat(ring.hasRecords()).isFalse();
    }

    @Test
    void shouldRefuseAClaimWhileTheFreeRoomIsLessThanOneMaximumRecord() {
        int accepted = 0;
        while (ring.offer(bytes("z"))) {
            accepted++;
        }
        // A claim needs room for a whole maximum record (104 bytes); each 1-byte record takes 8 of the 208.
        assertThat(accepted).isEqualTo((CAPACITY - (MAX + 4)) / 8 + 1);
        assertThat(readAll(100)).hasSize(accepted).containsOnly("z");
    }

    @Test
    void shouldWrapAroundWithAPaddingRecordAndKeepTheOrder() {
        List<String> expected = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        for (int round = 0; round < 50; round++) {
            String record = round + ":" + "r".repeat(round % 37);
            assertThat(ring.offer(bytes(record))).as("offer in round " + round).isTrue();
            expected.add(record);
            seen.addAll(readAll(10));
            ring.release();
        }
        assertThat(seen).isEqualTo(expected);
        assertThat(ring.isDrained()).isTrue();
    }

    @Test
    void shouldKeepRecordsThatStraddleAWrapInOrderWhenTheConsumerLags() {
        assertThat(ring.offer(bytes("a".repeat(MAX)))).isTrue();
        assertThat(ring.offer(bytes("b".repeat(10)))).isTrue();
        assertThat(readAll(1)).containsExactly("a".repeat(MAX));
        ring.release();
        // Used up to 120 of 208 (104 + 16): the next claim needs 104 contiguous bytes, so it pads the end of the
        // ring and starts over at 0, where the first record's room is free again.
        assertThat(ring.offer(bytes("c".repeat(MAX)))).isTrue();
        assertThat(ring.offer(bytes("d"))).as("the padding and the new record fill the ring").isFalse();
        assertThat(readAll(10)).containsExactly("b".repeat(10), "c".repeat(MAX));
        ring.release();
        assertThat(ring.isDrained()).isTrue();
        assertThat(ring.offer(bytes("d"))).isTrue();
        assertThat(readAll(10)).containsExactly("d");
    }

    @Test
    void shouldPublishOnlyOnCommitWithTheCommittedLength() {
        ByteBuffer view = ring.claim();
        assertThat(view.remaining()).isEqualTo(MAX);
        view.put("hello world".getBytes(StandardCharsets.US_ASCII));
        assertThat(ring.hasRecords()).isFalse();
        ring.commit(5);
        assertThat(readAll(10)).containsExactly("hello");
    }

    @Test
    void shouldRejectACommitWithoutAClaim() {
        assertThatThrownBy(() -> ring.commit(1))
            .isInstanceOf(IllegalStateException.class)
            .hasMessage("commit of 1 bytes without a claim of that size");
    }

    @Test
    void shouldRejectARingTooSmallForTwoRecords() {
        assertThatThrownBy(() -> new DatagramRing(CAPACITY - 4, MAX, new Wakeup()))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("ring of 204 bytes is too small for records of 100");
    }

    @Test
    void shouldDeliverEveryRecordInOrderAcrossThreads() throws Exception {
        DatagramRing shared = new DatagramRing(4096, 1000, new Wakeup());
        assertThat(deliverAcrossThreads(shared, 5_000, (i, record) -> record.putInt(i).limit(4 + i % 900),
            (i, buffer, offset, length) -> {
                assertThat(buffer.getInt(offset)).isEqualTo(i);
                assertThat(length).isEqualTo(4 + i % 900);
            })).isEqualTo(5_000);
    }

    @Test
    void shouldDeliverEveryByteWhilePagesAreFaultedInAheadAndGivenBackAllTheTime() throws Exception {
        int max = 65_507;
        // a pager never started: a third thread here pages the ring as fast as it can, so that giving pages back
        // races with the producer and the consumer all the time (in a server it happens at most every 5 s)
        DatagramRing large = DatagramRing.paged(64 << 20, max, new Wakeup(), new RingPager(Long.MAX_VALUE));
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger trims = new AtomicInteger();
        Thread pager = Thread.ofPlatform().start(() -> {
            while (!done.get()) {
                long head = large.released();
                long tail = large.published();
                large.memory().extend(tail);
                if (large.memory().trim(head, tail)) {
                    trims.incrementAndGet();
                }
            }
        });
        try {
            assertThat(deliverAcrossThreads(large, 2_000, (i, record) -> {
                for (int k = 0; k < max / 4; k++) {
                    record.putInt(i + k);
                }
                record.limit(record.position());
            }, (i, buffer, offset, length) -> {
                assertThat(length).isEqualTo(max / 4 * 4);
                for (int k = 0; k < max / 4; k++) {
                    assertThat(buffer.getInt(offset + 4 * k)).isEqualTo(i + k);
                }
            })).isEqualTo(2_000);
        } finally {
            done.set(true);
            pager.join(10_000);
        }
        assertThat(trims.get()).as("pages given back while records flowed").isPositive();
    }

    @Test
    void shouldDeliverEveryRecordWhenTheWholeRingWasFaultedInAtStart() throws Exception {
        DatagramRing prefaulted = new DatagramRing(8 << 20, 1000, new Wakeup());

        assertThat(deliverAcrossThreads(prefaulted, 20_000, (i, record) -> record.putInt(i).limit(4 + i % 900),
            (i, buffer, offset, length) -> {
                assertThat(buffer.getInt(offset)).isEqualTo(i);
                assertThat(length).isEqualTo(4 + i % 900);
            })).isEqualTo(20_000);
    }

    private interface Fill {
        void fill(int i, ByteBuffer record);
    }

    private interface Check {
        void check(int i, ByteBuffer buffer, int offset, int length);
    }

    /** Offers {@code count} records from a second thread while this one reads them; returns how many it read. */
    private static int deliverAcrossThreads(DatagramRing ring, int count, Fill fill, Check check) throws Exception {
        Thread producer = Thread.ofPlatform().start(() -> {
            ByteBuffer record = ByteBuffer.allocate(65_507);
            for (int i = 0; i < count; ) {
                record.clear();
                fill.fill(i, record);
                record.position(0);
                if (ring.offer(record)) {
                    i++;
                } else {
                    Thread.onSpinWait();
                }
            }
        });
        int[] next = {0};
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (next[0] < count && System.nanoTime() < deadline) {
            ring.read((buffer, offset, length) -> check.check(next[0]++, buffer, offset, length), 64);
            ring.release();
        }
        producer.join(10_000);
        return next[0];
    }
}
