package io.mproxy.common.net;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.mproxy.common.ring.LazyMemory;
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
import java.util.Set;

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
 * <p>A receiver that cuts runs itself may take datagrams that arrive segmented (or coalesced by the network card) as
 * one message each ({@link #enableCoalescedReceive}, {@code UDP_GRO}); {@link #segmentSize(int)} then says where to
 * cut. A receive waits for the first datagram until a wake-up ({@link NativeSocket#shutdownInput()}) or the socket's
 * receive timeout ({@link NativeSocketOptions#setReceiveTimeout}), or does not wait at all.
 *
 * <p>The slots are mapped lazily ({@link LazyMemory}): 64 slots of 64 KiB cost one page each while datagrams are
 * small, not 4 MiB. {@link #data()} holds them all, slot {@code i} at {@link #offset(int)}.
 *
 * <p>One thread uses a batch at a time. The descriptors come from {@link NativeSocket} (receive) and
 * {@link NativeSocketOptions#descriptor} (connected senders).
 */
public final class DatagramBatch implements AutoCloseable {
    /** A slot size with room for the largest UDP payload, IPv4 or IPv6, and for a run taken coalesced (64 KiB). */
    public static final int RUN_SLOT = 64 << 10;
    private static final int MSGHDR = 56;
    private static final int MMSGHDR = 64;
    private static final int IOVEC = 16;
    private static final int NAME_SPACE = 32;
    private static final int CONTROL = 32;
    private static final int CMSG_DATA = 16;
    private static final int EAGAIN = 11;
    private static final int EINTR = 4;
    private static final int ECONNREFUSED = 111;
    private static final int EIO = 5;
    private static final int EINVAL = 22;
    private static final int EMSGSIZE = 90;
    private static final int ENOPROTOOPT = 92;
    private static final int EOPNOTSUPP = 95;
    private static final int SOL_UDP = 17;
    private static final int UDP_SEGMENT = 103;
    private static final int UDP_GRO = 104;
    /** CMSG_SPACE(sizeof(uint16_t)) and CMSG_LEN(sizeof(uint16_t)) on 64-bit Linux. */
    private static final int SEGMENT_CMSG_SPACE = 24;
    private static final int SEGMENT_CMSG_LEN = 18;
    /** Datagrams per segmented send at most: the kernel's UDP_MAX_SEGMENTS since Linux 4.18. */
    private static final int MAX_SEGMENTS = 64;
    /** The most pieces of the caller's memory a message is spread over ({@link #receiveSpread}). */
    public static final int MAX_PIECES = 64;
    /** Bytes per segmented send at most: one UDP length field, less the largest IP and UDP headers. */
    private static final int MAX_SEGMENTED_BYTES = 65_000;
    private static final int MSG_DONTWAIT = 0x40;
    private static final int MSG_WAITFORONE = 0x10000;
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    /** The msghdr offsets below are those of 64-bit Linux on x86-64 and aarch64; elsewhere batches are off. */
    private static final boolean KNOWN_LAYOUT = Set.of("amd64", "x86_64", "aarch64")
        .contains(System.getProperty("os.arch", ""));
    private static final FunctionDescriptor MMSG_CALL = FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT,
        JAVA_INT);
    private static final MethodHandle RECVMMSG = KNOWN_LAYOUT ? LinuxDowncalls.find("recvmmsg",
        MMSG_CALL.appendArgumentLayouts(ADDRESS), Linker.Option.captureCallState("errno")) : null;
    private static final MethodHandle SENDMMSG = KNOWN_LAYOUT ? LinuxDowncalls.find("sendmmsg", MMSG_CALL,
        Linker.Option.captureCallState("errno")) : null;
    private static final MethodHandle STRERROR = LinuxDowncalls.find("strerror",
        FunctionDescriptor.of(ADDRESS, JAVA_INT));
    private static final int PAGE = 4096;

    private final int capacity;
    private final Arena arena = Arena.ofShared();
    private final long stride;
    private final ByteBuffer data;
    private final MemorySegment receiveHeaders;
    private final MemorySegment controls;
    private final MemorySegment[] sendIovAt;
    private final MemorySegment[] segmentedAt;
    private final MemorySegment[] segmentCmsgAt;
    private final int[] runLengths;
    private final MemorySegment sendIovecs;
    /** Headers and iovecs for the datagrams of one coalesced run sent one by one ({@link #sendCut}). */
    private final MemorySegment cutHeaders;
    private final MemorySegment cutIovecs;
    private final long slotsAddress;
    private final int slotSize;
    private final MemorySegment receiveIovecs;
    /** Receive iovecs pointing at the caller's memory since the last {@link #receiveInto}: reset before a receive. */
    private int elsewhere;
    /** Per message, up to {@link #MAX_PIECES} iovecs into the caller's memory and one into its slot. */
    private MemorySegment spreadIovecs;
    /** Headers pointing at {@link #spreadIovecs} since the last {@link #receiveSpread}: reset before a receive. */
    private int spread;
    private final MemorySegment state;
    private final ByteBuffer[] views;
    private final int[] lengths;
    private final int[] segments;
    private int count;
    /** Headers the kernel filled in the last receive (maybe more than {@link #count}): reset before the next. */
    private int filled;

    /**
     * @param capacity the most datagrams per batch.
     * @param slotSize the largest datagram (a longer one is cut to this size, as a receive into a buffer is); 64 KiB
     *                 for a receiver that takes runs coalesced.
     * @throws UnsupportedOperationException when {@link #isAvailable()} is false.
     */
    public DatagramBatch(int capacity, int slotSize) {
        if (!isAvailable()) {
            throw new UnsupportedOperationException("recvmmsg/sendmmsg are not available on this platform");
        }
        this.capacity = capacity;
        this.stride = (slotSize + PAGE - 1L) / PAGE * PAGE;
        // mapped, not allocated: an allocation is zeroed and so touched whole, where small datagrams touch one page
        MemorySegment slots = LazyMemory.allocate(capacity * stride, arena);
        this.slotsAddress = slots.address();
        this.data = slots.asByteBuffer();
        this.controls = arena.allocate((long) capacity * CONTROL, 8);
        this.slotSize = slotSize;
        this.receiveIovecs = arena.allocate((long) capacity * IOVEC, 8);
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
        this.cutHeaders = arena.allocate((long) MAX_SEGMENTS * MMSGHDR, 8);
        this.cutIovecs = arena.allocate((long) MAX_SEGMENTS * IOVEC, 8);
        for (int k = 0; k < MAX_SEGMENTS; k++) {
            cutHeaders.set(ADDRESS, (long) k * MMSGHDR + 16, cutIovecs.asSlice((long) k * IOVEC, IOVEC));
            cutHeaders.set(JAVA_LONG, (long) k * MMSGHDR + 24, 1);
        }
        this.views = new ByteBuffer[capacity];
        this.lengths = new int[capacity];
        this.segments = new int[capacity];
        for (int i = 0; i < capacity; i++) {
            MemorySegment slot = slots.asSlice(i * stride, slotSize);
            views[i] = slot.asByteBuffer();
            MemorySegment receiveIov = receiveIovecs.asSlice((long) i * IOVEC, IOVEC);
            receiveIov.set(ADDRESS, 0, slot);
            receiveIov.set(JAVA_LONG, 8, slotSize);
            MemorySegment received = receiveHeaders.asSlice((long) i * MMSGHDR, MMSGHDR);
            received.set(ADDRESS, 0, names.asSlice((long) i * NAME_SPACE, NAME_SPACE));
            received.set(JAVA_INT, 8, NAME_SPACE);
            received.set(ADDRESS, 16, receiveIov);
            received.set(JAVA_LONG, 24, 1);
            received.set(ADDRESS, 32, controls.asSlice((long) i * CONTROL, CONTROL));
            received.set(JAVA_LONG, 40, CONTROL);
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

    /** @return true when batches can be used here (Linux on x86-64 or aarch64, the foreign function API enabled). */
    public static boolean isAvailable() {
        return RECVMMSG != null && SENDMMSG != null;
    }

    /**
     * Asks the kernel to hand runs of datagrams that arrive segmented (or coalesced by the network card) over as one
     * message each ({@code UDP_GRO}); {@link #segmentSize(int)} then says where to cut. Only for receivers that cut,
     * with slots of 64 KiB.
     *
     * @param fd a datagram socket's descriptor.
     * @return true when the kernel took it (else every message is one datagram, as before).
     */
    public static boolean enableCoalescedReceive(int fd) {
        return NativeSocketOptions.setInt(fd, SOL_UDP, UDP_GRO, 1);
    }

    /**
     * Replaces the batch with what a blocking socket holds: waits for one datagram, then takes those already queued,
     * up to the capacity. A wake-up without a datagram ({@link NativeSocket#shutdownInput()}, a signal, the socket's
     * receive timeout) gives an empty batch; an empty datagram is a datagram.
     *
     * @param fd a bound, blocking datagram socket.
     * @return how many datagrams the batch now holds.
     * @throws IOException on a receive error.
     */
    public int receive(int fd) throws IOException {
        return receive(fd, true);
    }

    /**
     * Replaces the batch with what the socket holds, up to the capacity.
     *
     * @param fd   a bound datagram socket (blocking, for {@code wait}).
     * @param wait true to wait for the first message as {@link #receive(int)} does; false not to wait at all.
     * @return how many messages the batch now holds (0 when none was waiting).
     * @throws IOException on a receive error.
     */
    public int receive(int fd, boolean wait) throws IOException {
        ownSlots();
        return receiveCall(fd, wait, capacity);
    }

    /** Points the headers that {@link #receiveSpread} pointed at its iovecs back at one iovec each. */
    private void unspread() {
        for (int i = 0; i < spread; i++) {
            receiveHeaders.set(JAVA_LONG, (long) i * MMSGHDR + 16, receiveIovecs.address() + (long) i * IOVEC);
            receiveHeaders.set(JAVA_LONG, (long) i * MMSGHDR + 24, 1);
        }
        spread = 0;
    }

    /** Points the headers back at the batch's own slots, where they point elsewhere. */
    private void ownSlots() {
        unspread();
        for (int i = 0; i < elsewhere; i++) {
            receiveIovecs.set(JAVA_LONG, (long) i * IOVEC, slotsAddress + i * stride);
        }
        elsewhere = 0;
    }

    /**
     * Receives straight into the caller's memory instead of the batch's slots, so that nothing needs copying
     * afterwards: message {@code i} lands at {@code address + i * stride}, at most {@code slotSize} bytes. The
     * lengths, segment sizes and datagram counts are then read as after {@link #receive(int, boolean)};
     * {@link #datagram(int)}, {@link #data()} and {@link #offset(int)} do not apply, and sending this batch on is not
     * allowed until the next {@link #receive(int, boolean)}.
     *
     * @param fd       a bound datagram socket (blocking, for {@code wait}).
     * @param wait     true to wait for the first message; false not to wait at all.
     * @param address  where the first message goes (native memory the caller keeps mapped during the call).
     * @param stride   bytes from one message's place to the next, at least {@code slotSize}.
     * @param messages the most messages to take, 1 to the capacity.
     * @return how many messages were received (0 when none was waiting).
     * @throws IOException on a receive error.
     */
    public int receiveInto(int fd, boolean wait, long address, long stride, int messages) throws IOException {
        if (messages < 1 || messages > capacity || stride < slotSize) {
            throw new IllegalArgumentException(messages + " messages " + stride + " bytes apart in a batch of "
                + capacity + " slots of " + slotSize);
        }
        unspread();
        for (int i = 0; i < messages; i++) {
            // an iovec's base is a 64-bit pointer on the layouts this class knows: set as a long, nothing allocated
            receiveIovecs.set(JAVA_LONG, (long) i * IOVEC, address + i * stride);
        }
        elsewhere = Math.max(elsewhere, messages);
        return receiveCall(fd, wait, messages);
    }

    /**
     * Receives straight into the caller's memory, each message spread over pieces of it with room left between them:
     * message {@code i}'s piece {@code k} is the {@code pieceSize} bytes at
     * {@code address + i * messageStride + k * pieceStride}, and what is past its last piece goes to the start of the
     * batch's own slot {@code i} ({@link #data()} at {@link #offset(int)}). A run taken coalesced whose segment size is
     * {@code pieceSize} so lands one datagram per piece, and the caller can make each a record in place, its header in
     * the room before it. Lengths and segment sizes are then read as after {@link #receive(int, boolean)};
     * {@link #datagram(int)} does not apply, and sending this batch on is not allowed until the next
     * {@link #receive(int, boolean)}.
     *
     * @param fd            a bound datagram socket (blocking, for {@code wait}).
     * @param wait          true to wait for the first message; false not to wait at all.
     * @param address       where the first message's first piece goes (native memory the caller keeps mapped).
     * @param messageStride bytes from one message's first piece to the next's, at least {@code pieces * pieceStride}.
     * @param pieces        pieces per message, 1 to {@link #MAX_PIECES}.
     * @param pieceSize     bytes per piece, at least 1.
     * @param pieceStride   bytes from one piece to the next, at least {@code pieceSize}.
     * @param messages      the most messages to take, 1 to the capacity.
     * @return how many messages were received (0 when none was waiting).
     * @throws IOException on a receive error.
     */
    public int receiveSpread(int fd, boolean wait, long address, long messageStride, int pieces, int pieceSize,
                             int pieceStride, int messages) throws IOException {
        if (messages < 1 || messages > capacity || pieces < 1 || pieces > MAX_PIECES || pieceSize < 1
            || pieceStride < pieceSize || messageStride < (long) pieces * pieceStride) {
            throw new IllegalArgumentException(messages + " messages of " + pieces + " pieces of " + pieceSize
                + " bytes, " + pieceStride + " and " + messageStride + " apart, in a batch of " + capacity);
        }
        if (spreadIovecs == null) {
            spreadIovecs = arena.allocate((long) capacity * (MAX_PIECES + 1) * IOVEC, 8);
        }
        long iovecs = spreadIovecs.address();
        for (int i = 0; i < messages; i++) {
            long first = (long) i * (MAX_PIECES + 1) * IOVEC;
            long at = address + i * messageStride;
            for (int k = 0; k < pieces; k++, at += pieceStride) {
                spreadIovecs.set(JAVA_LONG, first + (long) k * IOVEC, at);
                spreadIovecs.set(JAVA_LONG, first + (long) k * IOVEC + 8, pieceSize);
            }
            spreadIovecs.set(JAVA_LONG, first + (long) pieces * IOVEC, slotsAddress + i * stride);
            spreadIovecs.set(JAVA_LONG, first + (long) pieces * IOVEC + 8, slotSize);
            receiveHeaders.set(JAVA_LONG, (long) i * MMSGHDR + 16, iovecs + first);
            receiveHeaders.set(JAVA_LONG, (long) i * MMSGHDR + 24, pieces + 1);
        }
        spread = Math.max(spread, messages);
        return receiveCall(fd, wait, messages);
    }

    private int receiveCall(int fd, boolean wait, int messages) throws IOException {
        for (int i = 0; i < filled; i++) {
            long header = (long) i * MMSGHDR;
            receiveHeaders.set(JAVA_INT, header + 8, NAME_SPACE);
            receiveHeaders.set(JAVA_LONG, header + 40, CONTROL);
        }
        count = 0;
        filled = 0;
        int n;
        try {
            n = (int) RECVMMSG.invokeExact(state, fd, receiveHeaders, messages, wait ? MSG_WAITFORONE : MSG_DONTWAIT,
                MemorySegment.NULL);
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
        filled = n;
        for (int i = 0; i < n; i++) {
            long header = (long) i * MMSGHDR;
            // a socket whose reading side was shut wakes its blocked reader with a "datagram" from nobody
            if (receiveHeaders.get(JAVA_INT, header + 8) == 0) {
                n = i;
                break;
            }
            int length = receiveHeaders.get(JAVA_INT, header + MSGHDR);
            lengths[i] = length;
            long control = (long) i * CONTROL;
            segments[i] = receiveHeaders.get(JAVA_LONG, header + 40) >= CMSG_DATA + 4
                && controls.get(JAVA_INT, control + 8) == SOL_UDP && controls.get(JAVA_INT, control + 12) == UDP_GRO
                ? controls.get(JAVA_INT, control + CMSG_DATA) : 0;
            // a spread message may be longer than the slot that holds its end
            views[i].limit(Math.min(length, slotSize)).position(0);
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
     * @param i 0 to {@link #count()} minus one.
     * @return the length of message {@code i}.
     */
    public int length(int i) {
        return lengths[i];
    }

    /**
     * @param i 0 to {@link #count()} minus one.
     * @return 0 when message {@code i} is one datagram; else it holds datagrams of this size, the last maybe
     *         shorter (only after {@link #enableCoalescedReceive(int)}).
     */
    public int segmentSize(int i) {
        return segments[i];
    }

    /**
     * @param i 0 to {@link #count()} minus one.
     * @return how many datagrams message {@code i} holds.
     */
    public int datagrams(int i) {
        return datagramsIn(lengths[i], segments[i]);
    }

    /**
     * @param length  a message's length.
     * @param segment its segment size ({@link #segmentSize(int)}; 0 for one datagram).
     * @return how many datagrams the message holds.
     */
    public static int datagramsIn(int length, int segment) {
        return segment > 0 && length > segment ? (length + segment - 1) / segment : 1;
    }

    /**
     * @param i 0 to {@link #count()} minus one.
     * @return where message {@code i} starts in {@link #data()}.
     */
    public int offset(int i) {
        return (int) (i * stride);
    }

    /** @return the slots as one buffer (use absolute gets, or a duplicate). */
    public ByteBuffer data() {
        return data;
    }

    /**
     * @param from the first message.
     * @param to   one past the last.
     * @return the datagrams that messages {@code from} to {@code to - 1} hold.
     */
    public int datagrams(int from, int to) {
        int datagrams = 0;
        for (int i = from; i < to; i++) {
            datagrams += datagrams(i);
        }
        return datagrams;
    }

    /**
     * @param from the first message.
     * @param to   one past the last.
     * @return the bytes of messages {@code from} to {@code to - 1}.
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
     * Sends messages {@code from} to the end of the batch, in order, on a connected socket, in one call. A message is
     * one datagram, or a run taken coalesced ({@link #enableCoalescedReceive}), which goes segmented at the size it
     * arrived with: the same datagrams again. With a {@code maxSegmentSize}, each run of single datagrams of one
     * size up to it (and a shorter one after it) goes as one segmented send (UDP GSO): the kernel builds one buffer
     * and passes it once through its IP output (and on loopback its input) before cutting it into the same datagrams,
     * where each datagram on its own pays the whole path. The receivers see exactly the datagrams of an unsegmented
     * send. A coalesced run whose size is past {@code maxSegmentSize} is sent cut, datagram by datagram, in a call of
     * its own.
     *
     * @param fd             a connected datagram socket; for segmented sends one for which {@link #canSegment} is
     *                       true.
     * @param from           the first message to send.
     * @param maxSegmentSize only datagrams up to this size are joined or sent segmented; 0 sends each on its own.
     * @return how many messages were sent, at least one ({@link #datagrams(int, int)} says how many datagrams);
     *         fewer than asked when a later one failed (the kernel does not say why: send again from the first unsent
     *         to learn it).
     * @throws SegmentationRefusedException when the kernel refused to segment the first run (a datagram size past
     *                                      the route's MTU, no checksum offload): send those another way.
     * @throws IOException                  when message {@code from} cannot be sent (of a coalesced run sent cut,
     *                                      the datagrams before the failed one went)
     *                                      ({@link PortUnreachableException} when an earlier datagram found no
     *                                      listener there).
     */
    public int send(int fd, int from, int maxSegmentSize) throws IOException {
        if (isRun(from) && segments[from] > maxSegmentSize) {
            return sendCut(fd, from);
        }
        int messages = 0;
        for (int i = from; i < count; messages++) {
            int length = lengths[i];
            int segment = length;
            int run = 1;
            if (isRun(i)) {
                if (segments[i] > maxSegmentSize) {
                    break;
                }
                segment = segments[i];
            } else if (length > 0 && length <= maxSegmentSize) {
                while (i + run < count && lengths[i + run] == length && !isRun(i + run) && run < MAX_SEGMENTS
                    && (run + 1L) * length <= MAX_SEGMENTED_BYTES) {
                    run++;
                }
                // the kernel cuts the last segment where the buffer ends: a shorter datagram may close the run
                if (i + run < count && lengths[i + run] > 0 && lengths[i + run] < length && !isRun(i + run)
                    && run < MAX_SEGMENTS && (run + 1L) * length <= MAX_SEGMENTED_BYTES) {
                    run++;
                }
            }
            MemorySegment header = segmentedAt[messages];
            header.set(ADDRESS, 16, sendIovAt[i]);
            header.set(JAVA_LONG, 24, run);
            if (run > 1 || segment < length) {
                segmentCmsgAt[messages].set(JAVA_SHORT, 16, (short) segment);
                header.set(ADDRESS, 32, segmentCmsgAt[messages]);
                header.set(JAVA_LONG, 40, SEGMENT_CMSG_SPACE);
            } else {
                header.set(ADDRESS, 32, MemorySegment.NULL);
                header.set(JAVA_LONG, 40, 0);
            }
            runLengths[messages] = run;
            i += run;
        }
        int n = sendmmsg(fd, segmentedAt[0], messages);
        if (n < 0) {
            int errno = -n;
            boolean segmented = runLengths[0] > 1 || isRun(from);
            if (segmented && (errno == EINVAL || errno == EMSGSIZE || errno == EIO || errno == EOPNOTSUPP
                || errno == ENOPROTOOPT)) {
                throw new SegmentationRefusedException(isRun(from) ? segments[from] : lengths[from],
                    errno != EINVAL && errno != EMSGSIZE);
            }
            throw failure(errno);
        }
        int sent = 0;
        for (int m = 0; m < n; m++) {
            sent += runLengths[m];
        }
        return sent;
    }

    /** @return how many of the {@code n} headers were sent (at least one), or minus the errno; retried on EINTR. */
    private int sendmmsg(int fd, MemorySegment headers, int n) throws IOException {
        while (true) {
            int sent;
            try {
                sent = (int) SENDMMSG.invokeExact(state, fd, headers, n, 0);
            } catch (Throwable e) {
                throw new IOException("sendmmsg: " + e, e);
            }
            int errno = sent > 0 ? 0 : sent < 0 ? (int) ERRNO.get(state, 0L) : EAGAIN;
            if (errno != EINTR) {
                return errno == 0 ? sent : -errno;
            }
        }
    }

    /** @return true when message {@code i} is a coalesced run of more than one datagram. */
    private boolean isRun(int i) {
        return segments[i] > 0 && lengths[i] > segments[i];
    }

    /** Sends the datagrams of coalesced run {@code i} one by one, with as few calls as the kernel takes. @return 1. */
    private int sendCut(int fd, int i) throws IOException {
        int segment = segments[i];
        int length = lengths[i];
        long slot = slotsAddress + i * stride;
        int total = datagrams(i);
        for (int done = 0; done < total; ) {
            int n = Math.min(MAX_SEGMENTS, total - done);
            for (int k = 0; k < n; k++) {
                int at = (done + k) * segment;
                cutIovecs.set(JAVA_LONG, (long) k * IOVEC, slot + at);
                cutIovecs.set(JAVA_LONG, (long) k * IOVEC + 8, Math.min(segment, length - at));
            }
            int sent = sendmmsg(fd, cutHeaders, n);
            if (sent < 0) {
                throw failure(-sent);
            }
            done += sent;
        }
        return 1;
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
