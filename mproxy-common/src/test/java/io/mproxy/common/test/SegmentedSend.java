package io.mproxy.common.test;

import io.mproxy.common.net.DatagramBatch;
import io.mproxy.common.net.KernelDrops;
import io.mproxy.common.net.NativeSocket;
import io.mproxy.common.net.NativeSocketOptions;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * Sends datagrams as a sender with UDP GSO does: one segmented send per run of equal-sized datagrams (a shorter one may
 * close it), so a receiver with {@code UDP_GRO} takes the run as one message, as it would take what a network card
 * coalesced. Loopback only.
 */
public final class SegmentedSend {
    private SegmentedSend() {
    }

    /**
     * Sends the payloads to {@code to}, in order, segmented; skips the test where the kernel has no UDP GSO.
     *
     * @param to       a loopback address.
     * @param payloads at most 64 datagrams of up to 2048 bytes.
     * @throws Exception when a send fails.
     */
    public static void send(InetSocketAddress to, List<byte[]> payloads) throws Exception {
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        try (DatagramChannel input = DatagramChannel.open().bind(loopback);
             DatagramChannel sender = DatagramChannel.open();
             DatagramChannel connected = DatagramChannel.open().connect(to);
             DatagramBatch batch = new DatagramBatch(64, 2048)) {
            int fd = NativeSocketOptions.descriptor(connected);
            Assumptions.assumeTrue(DatagramBatch.canSegment(fd), "this kernel has no UDP GSO");
            // the batch is filled the only way it can be, by a receive: queue every payload on a socket, then take them
            sender.send(ByteBuffer.wrap(payloads.get(0)), input.getLocalAddress());
            Await.until("a datagram queued", () -> KernelDrops.queuedBytes(input) > 0);
            long one = KernelDrops.queuedBytes(input);
            for (byte[] payload : payloads.subList(1, payloads.size())) {
                sender.send(ByteBuffer.wrap(payload), input.getLocalAddress());
            }
            Await.until(payloads.size() + " datagrams queued",
                () -> KernelDrops.queuedBytes(input) >= payloads.size() * one);
            // (a duplicated descriptor hides the socket from the queue lookup above: taken only now)
            try (NativeSocket inputSocket = NativeSocket.duplicate(input)) {
                if (batch.receive(inputSocket.fd(), false) != payloads.size()) {
                    throw new IllegalStateException("the queued datagrams were not received in one batch");
                }
            }
            for (int sent = 0; sent < payloads.size(); ) {
                sent += batch.send(fd, sent, 2048);
            }
        }
    }
}
