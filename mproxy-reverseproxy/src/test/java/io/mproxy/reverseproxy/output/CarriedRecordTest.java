package io.mproxy.reverseproxy.output;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The rest of a record cut by a write: which of its datagrams each later write completes, and what is dropped. */
class CarriedRecordTest {
    /** A run of 4 datagrams of 100 bytes and a last of 50, written up to {@code written}. */
    private static ByteBuffer runWrittenUpTo(int written) {
        return ByteBuffer.allocate(450).position(written);
    }

    @Test
    void shouldCountEachDatagramOfACutRunOnceWhenItsLastByteIsWritten() {
        CarriedRecord carry = new CarriedRecord(1000);
        assertThat(carry.keep(runWrittenUpTo(250), 450, 100, 5)).as("datagrams 1 and 2 went whole").isEqualTo(2);
        assertThat(carry.bytes().remaining()).isEqualTo(200);
        carry.bytes().position(carry.bytes().position() + 49);
        assertThat(carry.completed()).as("the cut one needs 50 more").isZero();
        carry.bytes().position(carry.bytes().position() + 1);
        assertThat(carry.completed()).isEqualTo(1);
        carry.bytes().position(carry.bytes().position() + 120);
        assertThat(carry.completed()).as("the fourth").isEqualTo(1);
        assertThat(carry.unwritten()).as("the last, if given up now").isEqualTo(1);
        carry.bytes().position(carry.bytes().limit());
        assertThat(carry.completed()).isEqualTo(1);
        assertThat(carry.hasRemaining()).isFalse();
        assertThat(carry.unwritten()).isZero();
    }

    @Test
    void shouldDropTheCutDatagramAndTheRestWhenGivenUpBeforeAnyMoreIsWritten() {
        CarriedRecord carry = new CarriedRecord(1000);
        assertThat(carry.keep(runWrittenUpTo(50), 450, 100, 5)).isZero();
        assertThat(carry.unwritten()).isEqualTo(5);
        assertThat(carry.keep(ByteBuffer.allocate(300).position(299), 300, 0, 1)).as("one datagram, cut").isZero();
        assertThat(carry.bytes().remaining()).isEqualTo(1);
        assertThat(carry.unwritten()).isEqualTo(1);
        carry.clear();
        assertThat(carry.hasRemaining()).isFalse();
        assertThat(carry.unwritten()).isZero();
    }
}
