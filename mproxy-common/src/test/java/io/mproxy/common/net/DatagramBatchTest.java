package io.mproxy.common.net;

import static org.assertj.core.api.Assertions.assertThat;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mproxy.common.stats.Counter;
import io.mproxy.common.test.Await;
import io.mproxy.common.test.FreePorts;
import io.mproxy.common.test.SegmentedSend;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * recvmmsg/sendmmsg batches on real loopback sockets (segmented sends, coalesced receives), and
 * {@link UdpFanOut#send(DatagramBatch)}.
 */
class DatagramBatchTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @BeforeEach
    void linuxOnly() {
        assumeTrue(DatagramBatch.isAvailable(), "recvmmsg/sendmmsg are Linux only");
    }

    @Test
    void shouldTakeEveryQueuedDatagramInOneReceiveIncludingAnEmptyOne() throws Exception {
        try (DatagramChannel input = bound(); DatagramChannel sender = DatagramChannel.open();
             DatagramBatch batch = new DatagramBatch(8, 2048)) {
            queue(sender, input, "", "one", "three");

            receive(input, batch, 3);
            assertThat(texts(batch)).containsExactly("", "one", "three");
            assertThat(batch.bytes(0, 3)).isEqualTo(8);
        }
    }

    @Test
    void shouldReceiveStraightIntoTheCallersMemoryAndThenIntoItsOwnSlotsAgain() throws Exception {
        try (DatagramChannel input = bound(); DatagramChannel sender = DatagramChannel.open();
             DatagramBatch batch = new DatagramBatch(4, 16); Arena arena = Arena.ofConfined()) {
            MemorySegment memory = arena.allocate(3 * 20).fill((byte) '.');
            queue(sender, input, "first", "second", "third");
            try (NativeSocket socket = NativeSocket.duplicate(input)) {
                assertThat(batch.receiveInto(socket.fd(), false, memory.address(), 20, 2)).as("at most 2").isEqualTo(2);
                assertThat(batch.length(0)).isEqualTo(5);
                assertThat(batch.length(1)).isEqualTo(6);
                assertThat(new String(memory.toArray(JAVA_BYTE), StandardCharsets.US_ASCII))
                    .isEqualTo("first...............second.............." + ".".repeat(20));

                assertThat(batch.receive(socket.fd(), false)).isEqualTo(1);
                assertThat(texts(batch)).containsExactly("third");
                assertThat(memory.asSlice(40).toArray(JAVA_BYTE))
                    .as("the caller's memory is left alone").containsOnly((byte) '.');
            }
        }
    }

    @Test
    void shouldSpreadEachMessageOverPiecesWithRoomBetweenThemThenPutTheRestInItsSlotAndThenUseItsSlotsAgain()
        throws Exception {
        try (DatagramChannel input = bound(); DatagramChannel sender = DatagramChannel.open();
             DatagramBatch batch = new DatagramBatch(4, 16); Arena arena = Arena.ofConfined()) {
            MemorySegment memory = arena.allocate(2 * 12).fill((byte) '.');
            queue(sender, input, "abcdefghij", "0123456", "klmnopqrstuvwxyz", "last");
            try (NativeSocket socket = NativeSocket.duplicate(input)) {
                // two messages of two pieces of 3 bytes, 4 apart, 12 bytes from one message to the next
                assertThat(batch.receiveSpread(socket.fd(), false, memory.address(), 12, 2, 3, 4, 2)).isEqualTo(2);
                assertThat(batch.length(0)).isEqualTo(10);
                assertThat(batch.length(1)).isEqualTo(7);
                assertThat(new String(memory.toArray(JAVA_BYTE), StandardCharsets.US_ASCII))
                    .isEqualTo("abc.def....." + "012.345.....");
                for (int i = 0; i < 2; i++) {
                    ByteBuffer rest = batch.data().duplicate().position(batch.offset(i));
                    assertThat(StandardCharsets.US_ASCII.decode(rest.limit(rest.position() + batch.length(i) - 6))
                        .toString()).as("the rest, in message %d's slot", i).isEqualTo(i == 0 ? "ghij" : "6");
                }

                assertThat(batch.receive(socket.fd(), false)).isEqualTo(2);
                assertThat(texts(batch)).containsExactly("klmnopqrstuvwxyz", "last");
            }
        }
    }

    @Test
    void shouldCutADatagramLongerThanASlot() throws Exception {
        try (DatagramChannel input = bound(); DatagramChannel sender = DatagramChannel.open();
             NativeSocket socket = NativeSocket.duplicate(input); DatagramBatch batch = new DatagramBatch(2, 4)) {
            sender.send(ByteBuffer.wrap("abcdefgh".getBytes(StandardCharsets.US_ASCII)), input.getLocalAddress());

            assertThat(batch.receive(socket.fd())).isEqualTo(1);
            assertThat(texts(batch)).containsExactly("abcd");
        }
    }

    @Test
    void shouldWakeABlockedReceiveWithAnEmptyBatchWhenTheInputIsShut() throws Exception {
        try (DatagramChannel input = bound(); NativeSocket socket = NativeSocket.duplicate(input);
             DatagramBatch batch = new DatagramBatch(4, 2048)) {
            CompletableFuture<Integer> received = CompletableFuture.supplyAsync(() -> {
                try {
                    return batch.receive(socket.fd());
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            // before the receive or during it: either way it returns, so a stopping forwarder never hangs
            socket.shutdownInput();

            assertThat(received.get(10, TimeUnit.SECONDS)).isZero();
            assertThat(batch.count()).isZero();
        }
    }

    @Test
    void shouldSendABatchToEveryDestinationInOrderAndCountADeadOneWithoutStoppingTheOthers() throws Exception {
        try (DatagramChannel input = bound(); DatagramChannel live1 = bound(); DatagramChannel live2 = bound();
             DatagramChannel sender = DatagramChannel.open(); DatagramBatch batch = new DatagramBatch(8, 2048)) {
            List<Endpoint> destinations = List.of(endpoint(live1), Endpoint.parse("127.0.0.1:" + FreePorts.udp()),
                endpoint(live2));
            queue(sender, input, "", "a", "b", "ccc");
            receive(input, batch, 4);
            try (UdpFanOut fanOut = new UdpFanOut(destinations, MulticastSettings.DEFAULTS, 0, "to")) {
                int[] sends = {0};
                // the dead port answers with ICMP; the kernel reports it on a later send
                Await.until("a send error on the dead destination", () -> {
                    fanOut.send(batch);
                    sends[0]++;
                    return fanOut.counters().get(1).get(Counter.SEND_ERRORS) > 0;
                });
                for (int live : new int[] {0, 2}) {
                    assertThat(fanOut.counters().get(live).get(Counter.DATAGRAMS_OUT)).isEqualTo(4L * sends[0]);
                    assertThat(fanOut.counters().get(live).get(Counter.BYTES_OUT)).isEqualTo(5L * sends[0]);
                    assertThat(fanOut.counters().get(live).get(Counter.SEND_ERRORS)).isZero();
                }
                for (DatagramChannel live : List.of(live1, live2)) {
                    List<String> got = new ArrayList<>();
                    for (int i = 0; i < 4 * sends[0]; i++) {
                        got.add(receive(live));
                    }
                    assertThat(got).containsExactlyElementsOf(repeat(List.of("", "a", "b", "ccc"), sends[0]));
                }
            }
        }
    }

    /**
     * Sends small datagrams, the smallest first, and waits until the input's kernel queue holds them all: the queue
     * counts each datagram's kernel memory, at least the first one's for each. (It is read through the socket's
     * descriptor, which must be the only one: no {@link NativeSocket} yet.)
     */
    /** Skips the test where the kernel cannot segment sends on {@code sendFd} or coalesce runs for the other. */
    private static void assumeSegmentedSendAndCoalescedReceive(int sendFd, int receiveFd) {
        assumeTrue(DatagramBatch.canSegment(sendFd), "this kernel has no UDP GSO");
        assumeTrue(DatagramBatch.enableCoalescedReceive(receiveFd), "this kernel has no UDP GRO");
    }

    private static void queue(DatagramChannel sender, DatagramChannel input, String... texts) throws Exception {
        sender.send(ByteBuffer.wrap(texts[0].getBytes(StandardCharsets.US_ASCII)), input.getLocalAddress());
        Await.until("a datagram queued", () -> KernelDrops.queuedBytes(input) > 0);
        long one = KernelDrops.queuedBytes(input);
        for (int i = 1; i < texts.length; i++) {
            sender.send(ByteBuffer.wrap(texts[i].getBytes(StandardCharsets.US_ASCII)), input.getLocalAddress());
        }
        Await.until(texts.length + " datagrams queued", () -> KernelDrops.queuedBytes(input) >= texts.length * one);
    }

    @Test
    void shouldSendRunsOfEqualSizedDatagramsSegmentedAsTheSameDatagramsInOrder() throws Exception {
        try (DatagramChannel input = bound(); DatagramChannel output = bound();
             DatagramChannel sender = DatagramChannel.open();
             DatagramChannel connected = DatagramChannel.open().connect(output.getLocalAddress());
             DatagramBatch batch = new DatagramBatch(16, 2048)) {
            int fd = NativeSocketOptions.descriptor(connected);
            assumeTrue(DatagramBatch.canSegment(fd), "this kernel has no UDP GSO");
            // runs: the empty one alone, a-e together with the shorter f closing the run, g-k together
            List<String> texts = new ArrayList<>(List.of(""));
            for (char c : "abcdefghijk".toCharArray()) {
                texts.add(String.valueOf(c).repeat(c == 'f' ? 90 : 100));
            }
            queue(sender, input, texts.toArray(String[]::new));
            receive(input, batch, 12);

            int sent = 0;
            while (sent < 12) {
                sent += batch.send(fd, sent, 2048);
            }

            List<String> got = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                got.add(receive(output));
            }
            assertThat(got).containsExactlyElementsOf(texts);
        }
    }

    @Test
    void shouldCutARunReceivedCoalescedIntoTheDatagramsSent() throws Exception {
        try (DatagramChannel input = bound(); DatagramChannel output = bound();
             DatagramChannel sender = DatagramChannel.open();
             DatagramChannel connected = DatagramChannel.open().connect(output.getLocalAddress());
             DatagramBatch batch = new DatagramBatch(16, 2048);
             DatagramBatch coalesced = new DatagramBatch(4, 64 << 10)) {
            int fd = NativeSocketOptions.descriptor(connected);
            int outputFd = NativeSocketOptions.descriptor(output);
            assumeSegmentedSendAndCoalescedReceive(fd, outputFd);
            List<String> texts = runOfNine();
            queue(sender, input, texts.toArray(String[]::new));
            receive(input, batch, 9);
            int sent = 0;
            while (sent < 9) {
                sent += batch.send(fd, sent, 2048);
            }

            List<String> got = new ArrayList<>();
            List<String> messages = new ArrayList<>();
            Await.until("9 datagrams", () -> {
                int n = receiveNow(coalesced, outputFd);
                for (int i = 0; i < n; i++) {
                    int segment = coalesced.segmentSize(i);
                    messages.add(segment + "x" + coalesced.datagrams(i));
                    int end = coalesced.offset(i) + coalesced.length(i);
                    for (int at = coalesced.offset(i); at < end; at += segment > 0 ? segment : end - at) {
                        int length = segment > 0 ? Math.min(segment, end - at) : end - at;
                        got.add(StandardCharsets.US_ASCII.decode(coalesced.data().slice(at, length)).toString());
                    }
                }
                return got.size() >= 9;
            });
            assertThat(got).containsExactlyElementsOf(texts);
            assertThat(messages).containsExactly("100x9");
        }
    }

    @Test
    void shouldSendARunTakenCoalescedOnAsTheSameDatagramsSegmentedOrCut() throws Exception {
        try (DatagramChannel middle = bound(); DatagramChannel output = bound();
             DatagramChannel connected = DatagramChannel.open().connect(output.getLocalAddress());
             DatagramBatch coalesced = new DatagramBatch(4, 64 << 10)) {
            int middleFd = NativeSocketOptions.descriptor(middle);
            int fd = NativeSocketOptions.descriptor(connected);
            assumeSegmentedSendAndCoalescedReceive(fd, middleFd);
            List<String> texts = runOfNine();
            for (int maxSegmentSize : new int[] {2048, 99, 0}) {
                SegmentedSend.send((InetSocketAddress) middle.getLocalAddress(),
                    texts.stream().map(t -> t.getBytes(StandardCharsets.US_ASCII)).toList());
                Await.until("the run", () -> receiveNow(coalesced, middleFd) > 0);
                assertThat(coalesced.count()).isEqualTo(1);
                assertThat(coalesced.datagrams(0, 1)).isEqualTo(9);

                assertThat(coalesced.send(fd, 0, maxSegmentSize)).as("messages sent").isEqualTo(1);

                List<String> got = new ArrayList<>();
                for (int i = 0; i < 9; i++) {
                    got.add(receive(output));
                }
                assertThat(got).as("up to %d bytes segmented", maxSegmentSize).containsExactlyElementsOf(texts);
            }
        }
    }

    private static int receiveNow(DatagramBatch batch, int fd) {
        try {
            return batch.receive(fd, false);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Receives into the batch through a descriptor of its own (made after the queue was read: see queue). */
    private static void receive(DatagramChannel input, DatagramBatch batch, int expected) throws Exception {
        try (NativeSocket socket = NativeSocket.duplicate(input)) {
            assertThat(batch.receive(socket.fd())).isEqualTo(expected);
        }
    }

    /** Eight datagrams of 100 bytes and a shorter last one: a run a GSO sender sends as one message. */
    private static List<String> runOfNine() {
        List<String> texts = new ArrayList<>();
        for (char c : "abcdefghi".toCharArray()) {
            texts.add(String.valueOf(c).repeat(c == 'i' ? 60 : 100));
        }
        return texts;
    }

    private static List<String> repeat(List<String> texts, int times) {
        List<String> all = new ArrayList<>();
        for (int i = 0; i < times; i++) {
            all.addAll(texts);
        }
        return all;
    }

    private static DatagramChannel bound() throws java.io.IOException {
        return DatagramChannel.open().bind(new InetSocketAddress(LOOPBACK, 0));
    }

    private static Endpoint endpoint(DatagramChannel channel) throws java.io.IOException {
        return Endpoint.parse("127.0.0.1:" + ((InetSocketAddress) channel.getLocalAddress()).getPort());
    }

    /** The next datagram, waited for with a deadline (a missing one fails the test rather than hanging it). */
    private static String receive(DatagramChannel channel) throws java.io.IOException {
        ByteBuffer buffer = ByteBuffer.allocate(2048);
        channel.configureBlocking(false);
        Await.until("a datagram", () -> {
            try {
                return channel.receive(buffer) != null;
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        return StandardCharsets.US_ASCII.decode(buffer.flip()).toString();
    }

    private static List<String> texts(DatagramBatch batch) {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < batch.count(); i++) {
            texts.add(StandardCharsets.US_ASCII.decode(batch.datagram(i).duplicate()).toString());
        }
        return texts;
    }
}
