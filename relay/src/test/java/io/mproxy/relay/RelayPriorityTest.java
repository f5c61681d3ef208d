package io.mproxy.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mproxy.common.net.ThreadPriority;
import io.mproxy.common.test.Await;
import io.mproxy.common.test.Binary;
import io.mproxy.common.test.BinaryProcess;
import io.mproxy.common.test.ThreadNice;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The listener's thread runs ahead of the workers (nice -10, read back from /proc/PID/task). */
class RelayPriorityTest {
    @TempDir
    Path dir;

    @Test
    void shouldReceiveAheadOfTheWorkers() throws Exception {
        assumeTrue(ThreadNice.mayRaisePriority(), "this process may not lower nice values (needs CAP_SYS_NICE)");
        try (TcpSink fallback = new TcpSink(); TcpSink a = new TcpSink();
             BinaryProcess relay = BinaryProcess.start(Binary.RELAY, dir, "--set",
                 "spill_dir=" + dir.resolve("spill"), "127.0.0.1:0", fallback.spec(), a.spec())) {
            relay.listeningPort();
            Await.until("the listener at nice -10",
                () -> ThreadNice.ofThread(relay.pid(), "listener").equals(OptionalInt.of(ThreadPriority.RECEIVER_NICE)),
                Await.DEFAULT, () -> "nice " + ThreadNice.ofThread(relay.pid(), "listener") + "\n" + relay.stderr());
            int processNice = ThreadNice.of(Path.of("/proc/" + relay.pid() + "/stat"));
            assertThat(processNice).isZero();
            assertThat(ThreadNice.ofThread(relay.pid(), "worker")).hasValue(processNice);
            relay.terminate();
            assertThat(relay.awaitExit()).as(relay.stderr()).isZero();
        }
    }
}
