package io.mproxy.common.net;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.net.PortUnreachableException;
import java.net.SocketException;
import java.nio.ByteBuffer;

/**
 * Up to {@code capacity} datagrams in native memory, received with one {@code recvmmsg} and sent on with one
 * {@code sendmmsg} per destination (Linux, x86-64 and aarch64 layouts, through the foreign function API): a
 * forwarder then makes one receive and one send per destination per batch instead of per datagram, and the bytes
 * are never copied in user space. The receive blocks for the first datagram and takes the others the socket
 * already holds ({@code MSG_WAITFORONE}), so a batch is one datagram when traffic is light and grows by itself when
 * the forwarder falls behind: batching costs no latency. Runs of equal-sized datagrams can go to a destination as
 * one segmented send (UDP GSO, {@link #send}), which spares the kernel most of its per-datagram work: measured on
 * loopback, draining a backlog to two destinations took 2.3–3.0 µs per datagram against 4.3–4.5 without it and
 * 5.1–6.9 for a C loop of recvfrom and one send per destination. {@link #isAvailable()} is false elsewhere, and
 * callers receive and send one datagram at a time.
 *
 * <p>One thread uses a batch at a time. The descriptors come from {@link NativeSocket} (receive) and
 * {@link NativeSocketOptions#descriptor} (connected senders).
 */
public final class DatagramBatch implements AutoCloseable {
    private static final int MSGHDR = 56;
    private static final int MMSGHDR = 64;
    private static final int IOVEC = 16;
    private static final int NAME_SPACE = 32;
    private static final int EAGAIN = 11;
    private static final int EINTR = 4;
    private static final int ECONNREFUSED = 111;
    private static final int EIO = 5;
    private static final int EINVAL = 22;
    private static final int EOPNOTSUPP = 95;
    private static final int SOL_UDP = 17;
    private static final int UDP_SEGMENT = 103;
    /** CMSG_SPACE(sizeof(uint16_t)) and CMSG_LEN(sizeof(uint16_t)) on 64-bit Linux. */
    private static final int SEGMENT_CMSG_SPACE = 24;
    private static final int SEGMENT_CMSG_LEN = 18;
    /** Datagrams per segmented send at most: the kernel's UDP_MAX_SEGMENTS since Linux 4.18. */
    private static final int MAX_SEGMENTS = 64;
    /** Bytes per segmented send at most: one UDP length field, less the largest IP and UDP headers. */
    private static final int MAX_SEGMENTED_BYTES = 65_000;
    private static final int MSG_WAITFORONE = 0x10000;
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle RECVMMSG;
    private static final MethodHandle SENDMMSG;
    private static final MethodHandle STRERROR;
    private static final MethodHandle MMAP;
    private static final MethodHandle MUNMAP;
    private static final int PROT_READ_WRITE = 3;
    private static final int MAP_PRIVATE_ANONYMOUS = 0x22;
    private static final int PAGE = 4096;

    static {
        MethodHandle recvmmsg = null;
        MethodHandle sendmmsg = null;
        MethodHandle strerror = null;
        MethodHandle mmap = null;
        MethodHandle munmap = null;
        String arch = System.getProperty("os.arch", "");
        if (System.getProperty("os.name", "").startsWith("Linux")
            && (arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64"))) {
            try {
                Linker linker = Linker.nativeLinker();
                FunctionDescriptor mmsg = FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT);
                recvmmsg = linker.downcallHandle(linker.defaultLookup().findOrThrow("recvmmsg"),
                    mmsg.appendArgumentLayouts(ADDRESS), Linker.Option.captureCallState("errno"));
                sendmmsg = linker.downcallHandle(linker.defaultLookup().findOrThrow("sendmmsg"), mmsg,
                    Linker.Option.captureCallState("errno"));
                strerror = linker.downcallHandle(linker.defaultLookup().findOrThrow("strerror"),
                    FunctionDescriptor.of(ADDRESS, JAVA_INT));
                mmap = linker.downcallHandle(linker.defaultLookup().findOrThrow("mmap"),
                    FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
                munmap = linker.downcallHandle(linker.defaultLookup().findOrThrow("munmap"),
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
            } catch (RuntimeException | LinkageError e) {
                recvmmsg = null;
                sendmmsg = null;
                strerror = null;
                mmap = null;
                munmap = null;
            }
        }
        RECVMMSG = recvmmsg;
        SENDMMSG = sendmmsg;
        STRERROR = strerror;
        MMAP = mmap;
        MUNMAP = munmap;
    }

    private final int capacity;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment receiveHeaders;
    private final MemorySegment[] sendIovAt;
    private final MemorySegment[] segmentedAt;
    private final MemorySegment[] segmentCmsgAt;
    private final int[] runLengths;
    private final MemorySegment sendIovecs;
    private final MemorySegment state;
    private final ByteBuffer[] views;
    private final int[] lengths;
    private int count;

    /**
     * @param capacity the most datagrams per batch.
     * @param slotSize the largest datagram (a longer one is cut to this size, as a receive into a buffer is).
     * @throws UnsupportedOperationException when {@link #isAvailable()} is false.
     * @throws IllegalStateException when the kernel has no memory for the datagrams.
     */
    public DatagramBatch(int capacity, int slotSize) {
        if (!isAvailable()) {
            throw new UnsupportedOperationException("recvmmsg/sendmmsg are not available on this platform");
        }
        this.capacity = capacity;
        long stride = (slotSize + PAGE - 1L) / PAGE * PAGE;
        MemorySegment data = mapSlots(capacity * stride);
        MemorySegment receiveIovecs = arena.allocate((long) capacity * IOVEC, 8);
        MemorySegment names = arena.allocate((long) capacity * NAME_SPACE, 8);
        this.sendIovecs = arena.allocate((long) capacity * IOVEC, 8);
        this.receiveHeaders = arena.allocate((long) capacity * MMSGHDR, 8);
        this.sendIovAt = new MemorySegment[capacity];
        this.segmentedAt = new MemorySegment[capacity];
        this.segmentCmsgAt = new MemorySegment[capacity];
        this.runLengths = new int[capacity];
        MemorySegment segmentedHeaders = arena.allocate((long) capacity * MMSGHDR, 8);
        MemorySegment segmentCmsgs = arena.allocate((long) capacity * SEGMENT_CMSG_SPACE, 8);
        this.state = arena.allocate(CALL_STATE);
        this.views = new ByteBuffer[capacity];
        this.lengths = new int[capacity];
        for (int i = 0; i < capacity; i++) {
            MemorySegment slot = data.asSlice(i * stride, slotSize);
            views[i] = slot.asByteBuffer();
            MemorySegment receiveIov = receiveIovecs.asSlice((long) i * IOVEC, IOVEC);
            receiveIov.set(ADDRESS, 0, slot);
            receiveIov.set(JAVA_LONG, 8, slotSize);
            MemorySegment received = receiveHeaders.asSlice((long) i * MMSGHDR, MMSGHDR);
            received.set(ADDRESS, 0, names.asSlice((long) i * NAME_SPACE, NAME_SPACE));
            received.set(JAVA_INT, 8, NAME_SPACE);
            received.set(ADDRESS, 16, receiveIov);
            received.set(JAVA_LONG, 24, 1);
            MemorySegment sendIov = sendIovecs.asSlice((long) i * IOVEC, IOVEC);
            sendIov.set(ADDRESS, 0, slot);
            sendIovAt[i] = sendIov;
            segmentedAt[i] = segmentedHeaders.asSlice((long) i * MMSGHDR, MMSGHDR);
            segmentCmsgAt[i] = segmentCmsgs.asSlice((long) i * SEGMENT_CMSG_SPACE, SEGMENT_CMSG_SPACE);
            segmentCmsgAt[i].set(JAVA_LONG, 0, SEGMENT_CMSG_LEN);
            segmentCmsgAt[i].set(JAVA_INT, 8, SOL_UDP);
            segmentCmsgAt[i].set(JAVA_INT, 12, UDP_SEGMENT);
        }
    }

    /**
     * Room for datagrams of up to 64 KiB that costs memory only where datagrams land: mapped, not allocated, since
     * an allocation is zeroed and so touched whole (32 slots of 64 KiB would be 2 MiB of resident memory per
     * listener, where 1400-byte datagrams touch one page of each slot).
     */
    private MemorySegment mapSlots(long size) {
        MemorySegment mapped;
        try {
            mapped = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, size, PROT_READ_WRITE,
                MAP_PRIVATE_ANONYMOUS, -1, 0L);
        } catch (Throwable e) {
            throw new IllegalStateException("mmap: " + e, e);
        }
        if (mapped.address() == -1L) {
            throw new IllegalStateException("cannot map " + size + " bytes for datagrams");
        }
        return mapped.reinterpret(size, arena, segment -> unmap(segment, size));
    }

    private static void unmap(MemorySegment mapped, long size) {
        try {
            int ignored = (int) MUNMAP.invokeExact(mapped, size);
        } catch (Throwable e) {
            // the process is the owner either way
        }
    }

    /** @return true when batches can be used here (Linux on x86-64 or aarch64, the foreign function API enabled). */
    public static boolean isAvailable() {
        return RECVMMSG != null && SENDMMSG != null;
    }

    /**
     * Replaces the batch with what a blocking socket holds: waits for one datagram, then takes those already queued,
     * up to the capacity. A wake-up without a datagram ({@link NativeSocket#shutdownInput()}, a signal) gives an
     * empty batch; an empty datagram is a datagram.
     *
     * @param fd a bound, blocking datagram socket.
     * @return how many datagrams the batch now holds.
     * @throws IOException on a receive error.
     */
    public int receive(int fd) throws IOException {
        for (int i = 0; i < count; i++) {
            receiveHeaders.set(JAVA_INT, (long) i * MMSGHDR + 8, NAME_SPACE);
        }
        count = 0;
        int n;
        try {
            n = (int) RECVMMSG.invokeExact(state, fd, receiveHeaders, capacity, MSG_WAITFORONE, MemorySegment.NULL);
        } catch (Throwable e) {
            throw new IOException("recvmmsg: " + e, e);
        }
        if (n < 0) {
            int errno = (int) ERRNO.get(state, 0L);
            if (errno == EAGAIN || errno == EINTR) {
                return 0;
            }
            throw failure(errno);
        }
        for (int i = 0; i < n; i++) {
            long header = (long) i * MMSGHDR;
            // a socket whose reading side was shut wakes its blocked reader with a "datagram" from nobody
            if (receiveHeaders.get(JAVA_INT, header + 8) == 0) {
                n = i;
                break;
            }
            int length = receiveHeaders.get(JAVA_INT, header + MSGHDR);
            lengths[i] = length;
            views[i].limit(length).position(0);
            sendIovecs.set(JAVA_LONG, (long) i * IOVEC + 8, length);
        }
        count = n;
        return n;
    }

    /** @return how many datagrams the batch holds. */
    public int count() {
        return count;
    }

    /**
     * @param i 0 to {@link #count()} minus one.
     * @return datagram {@code i} from position 0 to its length: a view of the batch, valid until the next receive.
     */
    public ByteBuffer datagram(int i) {
        return views[i];
    }

    /**
     * @param from the first datagram.
     * @param to   one past the last.
     * @return the bytes of datagrams {@code from} to {@code to - 1}.
     */
    public long bytes(int from, int to) {
        long bytes = 0;
        for (int i = from; i < to; i++) {
            bytes += lengths[i];
        }
        return bytes;
    }

    /**
     * @param fd a datagram socket.
     * @return true when the kernel segments UDP for it (UDP GSO, Linux 4.18 and later): only then may
     *         {@link #send} join datagrams, since an older kernel ignores the segment size and sends one long datagram.
     */
    public static boolean canSegment(int fd) {
        // a segment size of 0 on the socket itself leaves every send as it is; the option exists only with GSO
        return NativeSocketOptions.setInt(fd, SOL_UDP, UDP_SEGMENT, 0);
    }

    /**
     * Sends datagrams {@code from} to the end of the batch, in order, on a connected socket, in one call. With a
     * {@code maxSegmentSize}, each run of datagrams of one size up to it goes as one segmented send (UDP GSO): the
     * kernel builds one buffer and passes it once through its IP output (and on loopback its input) before cutting it
     * into the same datagrams, where each datagram on its own pays the whole path. The receivers see exactly the
     * datagrams of an unsegmented send.
     *
     * @param fd             a connected datagram socket; for segmented sends one for which {@link #canSegment} is
     *                       true.
     * @param from           the first datagram to send.
     * @param maxSegmentSize only datagrams up to this size are joined; 0 sends each on its own.
     * @return how many datagrams were sent, at least one; fewer than asked when a later one failed (the kernel does
     *         not say why: send again from the first unsent to learn it).
     * @throws SegmentationRefusedException when the kernel refused to segment the first run (a datagram size past
     *                                      the route's MTU, no checksum offload): send those another way.
     * @throws IOException                  when datagram {@code from} cannot be sent
     *                                      ({@link PortUnreachableException} when an earlier datagram found no
     *                                      listener there).
     */
    public int send(int fd, int from, int maxSegmentSize) throws IOException {
        int messages = 0;
        for (int i = from; i < count; messages++) {
            int length = lengths[i];
            int run = 1;
            if (length > 0 && length <= maxSegmentSize) {
                while (i + run < count && lengths[i + run] == length && run < MAX_SEGMENTS
                    && (run + 1L) * length <= MAX_SEGMENTED_BYTES) {
                    run++;
                }
            }
            MemorySegment header = segmentedAt[messages];
            header.set(ADDRESS, 16, sendIovAt[i]);
            header.set(JAVA_LONG, 24, run);
            if (run > 1) {
                segmentCmsgAt[messages].set(JAVA_SHORT, 16, (short) length);
                header.set(ADDRESS, 32, segmentCmsgAt[messages]);
                header.set(JAVA_LONG, 40, SEGMENT_CMSG_SPACE);
            } else {
                header.set(ADDRESS, 32, MemorySegment.NULL);
                header.set(JAVA_LONG, 40, 0);
            }
            runLengths[messages] = run;
            i += run;
        }
        int n;
        try {
            n = (int) SENDMMSG.invokeExact(state, fd, segmentedAt[0], messages, 0);
        } catch (Throwable e) {
            throw new IOException("sendmmsg: " + e, e);
        }
        if (n <= 0) {
            int errno = n < 0 ? (int) ERRNO.get(state, 0L) : EAGAIN;
            if (runLengths[0] > 1 && (errno == EINVAL || errno == EIO || errno == EOPNOTSUPP)) {
                throw new SegmentationRefusedException(lengths[from], errno != EINVAL);
            }
            throw failure(errno);
        }
        int sent = 0;
        for (int m = 0; m < n; m++) {
            sent += runLengths[m];
        }
        return sent;
    }

    /** The kernel would not segment datagrams of this size on this socket: send them one by one. */
    public static final class SegmentationRefusedException extends SocketException {
        private static final long serialVersionUID = 1L;

        private final int size;
        private final boolean anySize;

        SegmentationRefusedException(int size, boolean anySize) {
            super("cannot segment " + size + "-byte datagrams" + (anySize ? " on this route" : ""));
            this.size = size;
            this.anySize = anySize;
        }

        /** @return the datagram size refused. */
        public int size() {
            return size;
        }

        /** @return true when no size will do (no checksum offload, IPsec), false when only this size and larger. */
        public boolean anySize() {
            return anySize;
        }
    }

    private static IOException failure(int errno) {
        if (errno == ECONNREFUSED) {
            return new PortUnreachableException();
        }
        String reason = "errno " + errno;
        try {
            MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
            reason = text.reinterpret(256).getString(0);
        } catch (Throwable e) {
            // keep the number
        }
        return new SocketException(reason);
    }

    @Override
    public void close() {
        arena.close();
    }
}
