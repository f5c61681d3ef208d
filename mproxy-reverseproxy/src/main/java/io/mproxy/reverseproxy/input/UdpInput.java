package io.mproxy.reverseproxy.input;

import io.mproxy.common.lifecycle.Threads;
import io.mproxy.common.net.Endpoint;
import io.mproxy.common.net.UdpChannels;
import io.mproxy.common.net.UdpReceiver;
import io.mproxy.common.ring.DatagramRing;
import io.mproxy.common.ring.RecordHandler;
import io.mproxy.common.ring.Wakeup;
import io.mproxy.common.stats.Counter;
import io.mproxy.common.stats.Counters;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.EnumSet;

/**
 * {@code --udp-listen-addr}: a {@link UdpReceiver} drains the socket into a ring on one thread, and a second thread
 * sends each datagram onto the group, so a pause in sending (or in {@code --tee}) never leaves the socket unread.
 */
public final class UdpInput implements RecordHandler, AutoCloseable {
    private static final int BATCH = 256;
    private static final long IDLE_WAIT_NANOS = 100_000_000L;

    private final Endpoint endpoint;
    private final UdpReceiver receiver;
    private final DatagramRing ring;
    private final Wakeup wakeup = new Wakeup();
    private final GroupSender sender;
    private final Counters counters;
    private final Thread forwarder;
    private ByteBuffer view;
    private volatile boolean stopping;

    /**
     * @param endpoint   what the channel listens on (with its port).
     * @param channel    the bound channel; closed with this input.
     * @param ringSize   bytes of the ring between the socket and the group.
     * @param sender     where datagrams go.
     */
    public UdpInput(Endpoint endpoint, DatagramChannel channel, int ringSize, GroupSender sender) {
        this.endpoint = endpoint;
        this.sender = sender;
        this.counters = new Counters("udp input " + endpoint.text(),
            EnumSet.of(Counter.DATAGRAMS_IN, Counter.BYTES_IN, Counter.DATAGRAMS_OUT, Counter.DROPPED, Counter.ERRORS));
        this.ring = new DatagramRing(ringSize, UdpChannels.MAX_UDP_PAYLOAD, wakeup);
        this.receiver = new UdpReceiver(endpoint, channel, ring, counters);
        this.forwarder = Thread.ofPlatform().name("udp-input " + endpoint.text()).unstarted(this::forward);
    }

    /** @return the address listened on. */
    public Endpoint endpoint() {
        return endpoint;
    }

    /** @return the input's counters. */
    public Counters counters() {
        return counters;
    }

    /** @return the kernel's drop count for the socket, or -1. */
    public long kernelDrops() {
        return receiver.kernelDrops();
    }

    /** Starts both threads. @return this for a fluent API. */
    public UdpInput start() {
        forwarder.start();
        receiver.start();
        return this;
    }

    private void forward() {
        while (true) {
            int read = ring.read(this, BATCH);
            if (read > 0) {
                ring.release();
            } else if (stopping) {
                return;
            } else {
                wakeup.await(() -> stopping || ring.hasRecords(), IDLE_WAIT_NANOS);
            }
        }
    }

    @Override
    public void onRecord(ByteBuffer buffer, int offset, int length) {
        if (view == null) {
            view = buffer.duplicate();
        }
        view.limit(offset + length).position(offset);
        sender.send(view, counters);
    }

    /** Stops receiving, sends what was received, stops. */
    @Override
    public void close() {
        receiver.close();
        stopping = true;
        wakeup.wake();
        Threads.join(forwarder, 5_000);
    }
}
