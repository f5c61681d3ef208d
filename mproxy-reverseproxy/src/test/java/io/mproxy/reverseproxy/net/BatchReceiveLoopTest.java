package io.mproxy.reverseproxy.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mproxy.common.net.DatagramBatch;
import io.mproxy.common.net.ThreadPriority;
import io.mproxy.common.stats.Counter;
import io.mproxy.common.stats.Counters;
import io.mproxy.common.test.Await;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The receiving thread: what it takes, and its CPU priority (Linux: read back from /proc). */
class BatchReceiveLoopTest {
    /** Thread names of at most 15 characters: Linux keeps that much of a name in /proc/.../comm. */
    private static final String URGENT = "rx-urgent-test";
    private static final String ORDINARY = "rx-plain-test";

    private DatagramChannel channel;

    @Test
    void shouldRunItsThreadAheadOfOrdinaryWorkWhenUrgent() throws Exception {
        assumeTrue(mayRaisePriority(), "this process may not lower nice values (needs CAP_SYS_NICE)");
        List<String> received = new CopyOnWriteArrayList<>();
        try (BatchReceiveLoop loop = receiver(URGENT, received).urgent().start()) {
            send("one", loop, received);
            assertThat(received).containsExactly("one");
            assertThat(niceOf(URGENT)).isEqualTo(ThreadPriority.RECEIVER_NICE).isEqualTo(-10);
        }
    }

    @Test
    void shouldKeepTheCallersPriorityWhenNotUrgent() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        try (BatchReceiveLoop loop = receiver(ORDINARY, received).start()) {
            send("two", loop, received);
            assertThat(received).containsExactly("two");
            assertThat(niceOf(ORDINARY)).isEqualTo(nice(Path.of("/proc/thread-self/stat")));
        }
    }

    private BatchReceiveLoop receiver(String name, List<String> received) throws IOException {
        channel = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        Counters counters = new Counters("test", EnumSet.of(Counter.DATAGRAMS_IN, Counter.BYTES_IN, Counter.ERRORS));
        return new BatchReceiveLoop(name, "test", channel, counters, new BatchReceiveLoop.Handler() {
            @Override
            public void onBatch(DatagramBatch batch, int count) {
                for (int i = 0; i < count; i++) {
                    onDatagram(batch.datagram(i));
                }
            }

            @Override
            public void onDatagram(ByteBuffer datagram) {
                received.add(StandardCharsets.US_ASCII.decode(datagram).toString());
            }
        }, false);
    }

    private void send(String text, BatchReceiveLoop loop, List<String> received) throws IOException {
        try (DatagramChannel sender = DatagramChannel.open()) {
            sender.send(ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)), channel.getLocalAddress());
        }
        // once the thread has passed a datagram on, it has set its priority (the first thing it does)
        Await.until("the datagram received", () -> received.size() == 1);
    }

    /** @return whether a thread of this process may lower its nice value (tried on a thread of its own). */
    private static boolean mayRaisePriority() throws InterruptedException {
        AtomicBoolean permitted = new AtomicBoolean();
        Thread probe = Thread.ofPlatform().start(() -> permitted.set(ThreadPriority.setNice(-1)));
        probe.join();
        return permitted.get();
    }

    /** @return the nice value of this process's one thread named {@code name}, from /proc/self/task/TID/stat. */
    private static int niceOf(String name) throws IOException {
        String comm = name.length() > 15 ? name.substring(0, 15) : name;
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            List<Path> matching = tasks.filter(task -> comm.equals(read(task.resolve("comm")).strip())).toList();
            assertThat(matching).as("threads named %s", comm).hasSize(1);
            return nice(matching.get(0).resolve("stat"));
        }
    }

    private static int nice(Path stat) {
        String text = read(stat);
        // the fields after the ")" that ends the name: state is field 3, nice field 19
        String[] fields = text.substring(text.lastIndexOf(')') + 2).split(" ");
        return Integer.parseInt(fields[19 - 3]);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }
}
