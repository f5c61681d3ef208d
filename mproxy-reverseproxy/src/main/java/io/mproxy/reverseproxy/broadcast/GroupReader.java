package io.mproxy.reverseproxy.broadcast;

import io.mproxy.common.framing.Framing;
import io.mproxy.common.framing.StreamFramer;
import io.mproxy.common.net.DatagramBatch;
import io.mproxy.common.net.Endpoint;
import io.mproxy.common.stats.Counter;
import io.mproxy.common.stats.Counters;
import io.mproxy.reverseproxy.net.BatchReceiveLoop;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.EnumSet;

/**
 * The one reader of the multicast group: takes up to {@value BatchReceiveLoop#BATCH} messages per syscall
 * ({@link BatchReceiveLoop}), each one datagram or a run of them that a sender sent segmented, into the
 * {@link BroadcastRing}, then publishes the batch at once: the outputs are woken once per batch. It never waits for
 * an output, so the group socket is drained as fast as the kernel delivers.
 *
 * <p>With raw output framing (the default) the kernel receives straight into the ring ({@link
 * BroadcastRing#claimSlots}) and a run stays one record, which is never copied in user space: that copy took a tenth
 * of two cores at 550 k datagrams/s of 1400 B, more than the kernel's own copy to this reader. With line or
 * length framing each datagram is copied into its own record, framed for the outputs (a newline where a line lacks
 * one, or a length prefix), runs cut at the size the kernel reports.
 */
public final class GroupReader implements BatchReceiveLoop.Handler, AutoCloseable {
    private final BroadcastRing ring;
    private final Framing framing;
    private final int prefix;
    private final Counters counters;
    private final BatchReceiveLoop loop;

    /**
     * @param group   the group, for messages.
     * @param channel a channel joined to the group; this reader closes it.
     * @param ring    where datagrams go; its records must hold {@link #maxRecord()} bytes.
     * @param framing how each datagram is laid out for the stream outputs.
     * @throws IOException when the channel cannot be set up for batched receives.
     */
    public GroupReader(Endpoint group, DatagramChannel channel, BroadcastRing ring, Framing framing)
        throws IOException {
        this.ring = ring;
        this.framing = framing;
        this.prefix = framing == Framing.LENGTH ? StreamFramer.LENGTH_PREFIX : 0;
        this.counters = new Counters("group " + group.text(),
            EnumSet.of(Counter.DATAGRAMS_IN, Counter.BYTES_IN, Counter.ERRORS));
        this.loop = new BatchReceiveLoop("group-receive " + group.text(), "group " + group.text(), channel, counters,
            this, true);
    }

    /** @return the largest record any datagram makes: the largest UDP payload, a length prefix and a newline. */
    public static int maxRecord() {
        return StreamFramer.LENGTH_PREFIX + BatchReceiveLoop.SLOT + 1;
    }

    /** @return datagrams and bytes received from the group, and errors. */
    public Counters counters() {
        return counters;
    }

    /**
     * Runs the receiving thread ahead of the outputs ({@link BatchReceiveLoop#urgent()}): measured on a busy 2-core
     * machine at 300 MB/s to 4 clients, it took the group socket's drops from thousands per 200 MB to none. Not for a
     * process with UDP inputs: their threads would lose the CPU, and their sockets the data, to this one. Call before
     * {@link #start()}.
     *
     * @return this for a fluent API.
     */
    public GroupReader urgent() {
        loop.urgent();
        return this;
    }

    /** Starts the receiving thread. @return this for a fluent API. */
    public GroupReader start() {
        loop.start();
        return this;
    }

    @Override
    public int receive(DatagramBatch batch, int fd, boolean wait) throws IOException {
        if (framing != Framing.RAW) {
            return batch.receive(fd, wait);
        }
        int slots = ring.claimSlots(BatchReceiveLoop.BATCH);
        return batch.receiveInto(fd, wait, ring.slotAddress(), ring.slotStride(), slots);
    }

    @Override
    public void onBatch(DatagramBatch batch, int count) {
        if (framing == Framing.RAW) {
            for (int i = 0; i < count; i++) {
                ring.commitSlot(batch.length(i), batch.segmentSize(i));
            }
            ring.publish();
            return;
        }
        ByteBuffer data = batch.data();
        for (int i = 0; i < count; i++) {
            int offset = batch.offset(i);
            int end = offset + batch.length(i);
            int segment = batch.segmentSize(i);
            if (segment <= 0) {
                put(data, offset, end - offset);
                continue;
            }
            for (int at = offset; at < end; at += segment) {
                put(data, at, Math.min(segment, end - at));
            }
        }
        ring.publish();
    }

    @Override
    public void onDatagram(ByteBuffer datagram) {
        put(datagram, datagram.position(), datagram.remaining());
        ring.publish();
    }

    private void put(ByteBuffer from, int offset, int length) {
        boolean newline = framing == Framing.LINE && (length == 0 || from.get(offset + length - 1) != '\n');
        int record = prefix + length + (newline ? 1 : 0);
        ByteBuffer view = ring.claim(record);
        int start = view.position();
        if (prefix > 0) {
            view.putInt(start, length);
        }
        view.put(start + prefix, from, offset, length);
        if (newline) {
            view.put(start + prefix + length, (byte) '\n');
        }
        ring.commit(record);
    }

    /** @return the kernel's drop count for the group socket (Linux), its last value once closed, or -1. */
    public long kernelDrops() {
        return loop.kernelDrops();
    }

    /** @return what {@link #kernelDrops()} counts ({@link BatchReceiveLoop#kernelDropsLabel()}). */
    public String kernelDropsLabel() {
        return loop.kernelDropsLabel();
    }

    /** Stops receiving: takes what the kernel holds, closes the socket and waits for the thread to end. */
    @Override
    public void close() {
        loop.close();
    }
}
