package io.mproxy.relay.listen;

import static org.assertj.core.api.Assertions.assertThat;

import io.mproxy.common.net.Endpoint;
import io.mproxy.common.net.MulticastSettings;
import io.mproxy.common.stats.Counter;
import io.mproxy.common.stats.Counters;
import io.mproxy.common.test.Await;
import io.mproxy.common.test.SegmentedSend;
import io.mproxy.relay.queue.PacketRing;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The listener's socket: every datagram a record of the ring, whatever layout its message met, room waited for, and the
 * kernel drop count kept past the close.
 */
class UdpSourceTest {
    private static final int SENT = 2_000;

    @Test
    void shouldMakeEveryDatagramOfEveryLayoutARecordInOrder() throws Exception {
        Queue queue = new Queue(8 << 20);
        List<String> expected = new ArrayList<>();
        try (UdpSource source = open(4 << 20)) {
            assertThat(source.kernelDropsLabel()).as("the socket takes runs").isEqualTo("kernel dropped runs");
            // each phase is received before the next is sent, so that each meets the layout the one before left
            // a run before any: a batch received into the batch's memory, the run copied out datagram by datagram
            phase(source, queue, expected, List.of(run("a", 40, 100, "the shorter last one")));
            // runs of the size the last had, received one per call at the tail: one datagram per piece, in place
            phase(source, queue, expected, List.of(run("b", 30, 100, null),
                run("c", 64, 100, null)));
            // one datagram past the 64 pieces of 100 bytes: its end lands in the batch's slot, it is gathered
            phase(source, queue, expected, List.of(List.of(filled("d", 60_000))));
            // runs of other sizes, gathered and cut; the next receive expects the size of the last
            phase(source, queue, expected, List.of(run("e", 20, 1_000, filled("f", 990)),
                run("g", 46, 1_400, null)));
            // runs of 1400 bytes in place, a longer datagram gathered, shorter ones in place
            phase(source, queue, expected, List.of(run("h", 46, 1_400, null),
                List.of(filled("i", 5_000)), List.of(filled("j", 7)), run("k", 45, 1_400, filled("short", 1_390))));
            // single datagrams in a row: batches again, until one holds a run
            List<List<String>> singles = new ArrayList<>();
            for (int i = 0; i < RingReceiver.SINGLES_TO_BATCH + 8; i++) {
                singles.add(List.of(filled("l" + i + ":", 1 + i * 997 % 3_000)));
            }
            singles.add(run("m", 10, 500, null));
            phase(source, queue, expected, singles);
            phase(source, queue, expected, List.of(run("n", 3, 500, null)));

            assertThat(queue.received).containsExactlyElementsOf(expected);
            assertThat(queue.counters.get(Counter.DATAGRAMS_IN)).isEqualTo(expected.size());
            assertThat(queue.counters.get(Counter.BYTES_IN))
                .isEqualTo(expected.stream().mapToLong(String::length).sum());
            assertThat(source.kernelDrops()).isZero();
        }
    }

    @Test
    void shouldWaitForRoomWhenTheSlowestWorkerHoldsTheRingAndThenTakeTheRestInOrder() throws Exception {
        Queue queue = new Queue(1 << 20);
        List<String> sent = new ArrayList<>();
        try (UdpSource source = open(4 << 20); DatagramChannel sender = DatagramChannel.open()) {
            sender.connect(new InetSocketAddress("127.0.0.1", port(source)));
            for (int i = 0; i < 60; i++) {
                sent.add(filled(String.valueOf((char) ('A' + i % 26)), 30_000 + i));
                sender.write(ByteBuffer.wrap(sent.getLast().getBytes(StandardCharsets.US_ASCII)));
            }
            Await.until("a full ring", () -> queue.receive(source) == DatagramSource.NO_ROOM);
            assertThat(queue.counters.get(Counter.DATAGRAMS_IN)).isBetween(1L, 59L);

            Await.until("every datagram", () -> {
                queue.drain();
                queue.cursor.release();
                queue.receive(source);
                return queue.received.size() == sent.size();
            });

            assertThat(queue.received).containsExactlyElementsOf(sent);
            assertThat(queue.counters.get(Counter.DATAGRAMS_IN)).isEqualTo(sent.size());
        }
    }

    @Test
    void shouldKeepTheKernelDropCountAfterClosing() throws Exception {
        UdpSource source = open(16 * 1024);
        try (DatagramChannel sender = DatagramChannel.open()) {
            sender.connect(new InetSocketAddress("127.0.0.1", port(source)));
            for (int i = 0; i < SENT; i++) {
                sender.write(ByteBuffer.allocate(1_000));
            }
        }
        Queue queue = new Queue(8 << 20);
        while (queue.receive(source) > 0) {
            // take what the socket kept
        }
        long received = queue.counters.get(Counter.DATAGRAMS_IN);
        long whileOpen = source.kernelDrops();

        source.close();

        assertThat(received).isBetween(1L, SENT - 1L);
        assertThat(whileOpen).isEqualTo(SENT - received);
        assertThat(source.kernelDrops()).isEqualTo(SENT - received);
    }

    /** Sends the runs (each one segmented send, or one datagram) and receives until the ring holds them all. */
    private static void phase(UdpSource source, Queue queue, List<String> expected, List<List<String>> runs)
        throws Exception {
        InetSocketAddress to = new InetSocketAddress("127.0.0.1", port(source));
        try (DatagramChannel sender = DatagramChannel.open()) {
            for (List<String> run : runs) {
                if (run.size() == 1) {
                    sender.send(ByteBuffer.wrap(run.getFirst().getBytes(StandardCharsets.US_ASCII)), to);
                } else {
                    SegmentedSend.send(to, run.stream().map(p -> p.getBytes(StandardCharsets.US_ASCII)).toList());
                }
                expected.addAll(run);
            }
        }
        Await.until(expected.size() + " records", () -> {
            queue.receive(source);
            queue.drain();
            return queue.received.size() >= expected.size();
        });
    }

    /** A ring with one reader, the counters of what went in, and the texts read so far. */
    private static final class Queue {
        final PacketRing ring;
        final PacketRing.Cursor cursor;
        final Counters counters = new Counters("test");
        final List<String> received = new ArrayList<>();

        Queue(int capacity) {
            ring = new PacketRing(capacity, 65_535);
            cursor = ring.attach();
        }

        int receive(UdpSource source) {
            try {
                return source.receiveInto(ring, counters, false);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void drain() {
            ByteBuffer bytes = ring.duplicateBuffer();
            for (int index; (index = cursor.peek()) >= 0; cursor.advance()) {
                int at = index + PacketRing.HEADER;
                received.add(StandardCharsets.US_ASCII.decode(bytes.limit(at + cursor.length(index)).position(at))
                    .toString());
                bytes.clear();
            }
        }
    }

    /** @return {@code count} datagrams of {@code size} bytes, each naming itself, then {@code last} if not null. */
    private static List<String> run(String name, int count, int size, String last) {
        List<String> run = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            run.add(filled(name + i + ":", size));
        }
        if (last != null) {
            run.add(last);
        }
        return run;
    }

    /** @return {@code size} characters: the name, then letters counting on from it. */
    private static String filled(String name, int size) {
        StringBuilder text = new StringBuilder(size).append(name);
        while (text.length() < size) {
            text.append((char) ('a' + text.length() % 26));
        }
        return text.substring(0, size);
    }

    private static UdpSource open(int receiveBuffer) throws IOException {
        MulticastSettings multicast = new MulticastSettings(
            NetworkInterface.getByInetAddress(InetAddress.getLoopbackAddress()), 0, true);
        return UdpSource.open(Endpoint.parse("127.0.0.1:1").withPort(0), multicast, receiveBuffer);
    }

    private static int port(UdpSource source) {
        return Integer.parseInt(source.boundAddress().substring(source.boundAddress().lastIndexOf(':') + 1));
    }
}
