package io.mproxy.reverseproxy.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mproxy.common.net.DatagramBatch;
import io.mproxy.common.net.ThreadPriority;
import io.mproxy.common.stats.Counter;
import io.mproxy.common.stats.Counters;
import io.mproxy.common.test.Await;
import io.mproxy.common.test.ThreadNice;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The receiving thread: what it takes, and its CPU priority (Linux: read back from /proc). */
class BatchReceiveLoopTest {
    /** Thread names of at most 15 characters: Linux keeps that much of a name in /proc/.../comm. */
    private static final String URGENT = "rx-urgent-test";
    private static final String ORDINARY = "rx-plain-test";

    private DatagramChannel channel;

    @Test
    void shouldRunItsThreadAheadOfOrdinaryWorkWhenUrgent() throws Exception {
        assumeTrue(ThreadNice.mayRaisePriority(), "this process may not lower nice values (needs CAP_SYS_NICE)");
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
            assertThat(niceOf(ORDINARY)).isEqualTo(ThreadNice.of(Path.of("/proc/thread-self/stat")));
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

    private static int niceOf(String name) {
        String comm = name.length() > 15 ? name.substring(0, 15) : name;
        return ThreadNice.ofThread(-1, comm).orElseThrow(() -> new AssertionError("no thread named " + comm));
    }
}
