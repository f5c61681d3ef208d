package io.mproxy.reverseproxy.net;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.mproxy.common.net.NativeSocketOptions;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

/**
 * A batch of datagram slots in native memory, filled by one {@code recvmmsg} and sent on, from the same memory, by
 * one {@code sendmmsg} (Linux, x86-64 and aarch64 layouts, through the foreign function API): one syscall per batch
 * each way and no copy in between. The common {@code RecvMmsg} copies each datagram out of its own buffers; here a
 * forwarder sends the received datagrams as they lie.
 *
 * <p>Sending uses UDP segmentation offload where the kernel has it: each run of consecutive datagrams of one size
 * (the last of a run may be shorter) goes as one message with a {@code UDP_SEGMENT} size, so the kernel walks its
 * send and loopback paths once per run, not once per datagram; receivers still get the datagrams one by one
 * (the kernel cuts the run), unless they asked for them coalesced ({@link #enableCoalescedReceive(int)},
 * {@code UDP_GRO}), as the group reader does: then one message holds the run and {@link #segmentSize(int)} tells
 * where to cut it. Where the kernel refuses a segmented send for some size (a route with a smaller MTU, no checksum
 * offload), that size and larger ones go one datagram per message from then on.
 *
 * <p>Slots are 64 KiB, so no UDP datagram is ever cut, and mapped lazily ({@link LazyMemory}): small datagrams make
 * one page of each slot resident, not 64 KiB.
 *
 * <pre>{@code
 * DatagramBatch batch = DatagramBatch.allocate(64);      // null where unavailable
 * int n = batch.receive(inFd, true);                      // waits for one, takes what else is there
 * int refused = batch.send(outFd, n);                     // datagrams the kernel refused (lastError() says why)
 * }</pre>
 */
public final class DatagramBatch implements AutoCloseable {
    /** Room for the largest UDP payload, IPv4 or IPv6. */
    public static final int SLOT = 64 << 10;
    private static final int MSGHDR = 56;
    private static final int MMSGHDR = 64;
    private static final int IOVEC = 16;
    private static final int CONTROL = 32;
    private static final int CMSG_DATA = 16;
    private static final int SOL_UDP = 17;
    private static final int UDP_SEGMENT = 103;
    private static final int UDP_GRO = 104;
    /** The most segments per message: the kernel's UDP_MAX_SEGMENTS is 64 on older kernels. */
    private static final int MAX_SEGMENTS = 64;
    /** The most bytes per segmented message: within the 65507-byte UDP payload of IPv4. */
    private static final int MAX_RUN_BYTES = 65_000;
    private static final int MSG_DONTWAIT = 0x40;
    private static final int EAGAIN = 11;
    private static final int EINTR = 4;
    private static final int EIO = 5;
    private static final int EINVAL = 22;
    private static final int EMSGSIZE = 90;
    private static final int ENOPROTOOPT = 92;
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final int MSG_WAITFORONE = 0x10000;
    private static final int SOL_SOCKET = 1;
    private static final int SO_RCVTIMEO = 20;
    private static final MethodHandle RECVMMSG;
    private static final MethodHandle SENDMMSG;
    private static final MethodHandle SETSOCKOPT;

    static {
        MethodHandle recv = null;
        MethodHandle send = null;
        MethodHandle setsockopt = null;
        String arch = System.getProperty("os.arch", "");
        if (System.getProperty("os.name", "").startsWith("Linux")
            && (arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64"))) {
            try {
                Linker linker = Linker.nativeLinker();
                recv = linker.downcallHandle(linker.defaultLookup().findOrThrow("recvmmsg"),
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS),
                    Linker.Option.captureCallState("errno"));
                send = linker.downcallHandle(linker.defaultLookup().findOrThrow("sendmmsg"),
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
                    Linker.Option.captureCallState("errno"));
                setsockopt = linker.downcallHandle(linker.defaultLookup().findOrThrow("setsockopt"),
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
            } catch (RuntimeException | LinkageError e) {
                recv = null;
                send = null;
                setsockopt = null;
            }
        }
        RECVMMSG = recv;
        SENDMMSG = send;
        SETSOCKOPT = setsockopt;
    }

    private final int batch;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment iovecs;
    private final MemorySegment headers;
    private final MemorySegment controls;
    private final MemorySegment sendHeaders;
    private final MemorySegment sendControls;
    /** {@code sendHeaders} from message i on, made once: nothing is allocated per send. */
    private final MemorySegment[] sendHeadersFrom;
    private final MemorySegment state;
    private final ByteBuffer data;
    private final int[] lengths;
    private final int[] segments;
    /** For each message of the last send: its first datagram and how many it holds. */
    private final int[] runStart;
    private final int[] runLength;
    /** Datagrams of this size or larger are not sent segmented (the kernel refused such a send). */
    private int segmentLimit = MAX_RUN_BYTES;
    private int lastErrno;
    private long refusedBytes;

    private DatagramBatch(int batch) {
        this.batch = batch;
        MemorySegment slots = LazyMemory.allocate((long) batch * SLOT);
        this.iovecs = arena.allocate((long) batch * IOVEC, 8);
        this.headers = arena.allocate((long) batch * MMSGHDR, 8);
        this.controls = arena.allocate((long) batch * CONTROL, 8);
        this.sendHeaders = arena.allocate((long) batch * MMSGHDR, 8);
        this.sendControls = arena.allocate((long) batch * CONTROL, 8);
        this.state = arena.allocate(CALL_STATE);
        this.data = slots.asByteBuffer();
        this.lengths = new int[batch];
        this.segments = new int[batch];
        this.runStart = new int[batch];
        this.runLength = new int[batch];
        this.sendHeadersFrom = new MemorySegment[batch];
        for (int i = 0; i < batch; i++) {
            sendHeadersFrom[i] = sendHeaders.asSlice((long) i * MMSGHDR);
            iovecs.set(ADDRESS, (long) i * IOVEC, slots.asSlice((long) i * SLOT, SLOT));
            long header = (long) i * MMSGHDR;
            headers.set(ADDRESS, header + 16, iovecs.asSlice((long) i * IOVEC, IOVEC));
            headers.set(JAVA_LONG, header + 24, 1);
            headers.set(ADDRESS, header + 32, controls.asSlice((long) i * CONTROL, CONTROL));
            long control = (long) i * CONTROL;
            sendControls.set(JAVA_LONG, control, CMSG_DATA + 2);
            sendControls.set(JAVA_INT, control + 8, SOL_UDP);
            sendControls.set(JAVA_INT, control + 12, UDP_SEGMENT);
        }
    }

    /**
     * @param batch the most datagrams per call (at most 1024, the kernel's UIO_MAXIOV).
     * @return a batch, or null where recvmmsg and sendmmsg cannot be called (callers go one datagram at a time).
     */
    public static DatagramBatch allocate(int batch) {
        return RECVMMSG == null || SENDMMSG == null || SETSOCKOPT == null ? null : new DatagramBatch(batch);
    }

    /**
     * Asks the kernel to hand runs of datagrams that arrive segmented (or coalesced by the network card) over as one
     * message each ({@code UDP_GRO}); {@link #segmentSize(int)} then says where to cut. Only for receivers that cut.
     *
     * @param fd a datagram socket's descriptor.
     * @return true when the kernel took it (else every message is one datagram, as before).
     */
    public static boolean enableCoalescedReceive(int fd) {
        return NativeSocketOptions.setInt(fd, SOL_UDP, UDP_GRO, 1);
    }

    /**
     * Makes a blocking receive on the socket give up after a while ({@code SO_RCVTIMEO}), so that a thread waiting
     * in {@link #receive(int, boolean)} notices a stop request without anyone closing the socket under it.
     *
     * @param fd     a datagram socket's descriptor.
     * @param millis the longest wait.
     * @return true when the kernel took it.
     */
    public boolean receiveTimeout(int fd, long millis) {
        try (Arena local = Arena.ofConfined()) {
            MemorySegment timeval = local.allocate(16, 8);
            timeval.set(JAVA_LONG, 0, millis / 1000);
            timeval.set(JAVA_LONG, 8, millis % 1000 * 1000);
            return (int) SETSOCKOPT.invokeExact(fd, SOL_SOCKET, SO_RCVTIMEO, timeval, 16) == 0;
        } catch (Throwable e) {
            return false;
        }
    }

    /**
     * Receives up to a batch of messages.
     *
     * @param fd   a datagram socket's descriptor (blocking, for {@code wait}).
     * @param wait true to wait for the first message (up to the socket's receive timeout), then take what else is
     *             there without waiting; false not to wait at all.
     * @return how many messages were received (0 when none was waiting).
     * @throws IOException on a receive error.
     */
    public int receive(int fd, boolean wait) throws IOException {
        for (int i = 0; i < batch; i++) {
            iovecs.set(JAVA_LONG, (long) i * IOVEC + 8, SLOT);
            headers.set(JAVA_LONG, (long) i * MMSGHDR + 40, CONTROL);
        }
        int n;
        try {
            n = (int) RECVMMSG.invokeExact(state, fd, headers, batch, wait ? MSG_WAITFORONE : MSG_DONTWAIT,
                MemorySegment.NULL);
        } catch (Throwable e) {
            throw new IOException("recvmmsg: " + e, e);
        }
        if (n < 0) {
            int errno = (int) ERRNO.get(state, 0L);
            if (errno == EAGAIN || errno == EINTR) {
                return 0;
            }
            throw new IOException("recvmmsg failed: " + describe(errno));
        }
        for (int i = 0; i < n; i++) {
            long header = (long) i * MMSGHDR;
            lengths[i] = headers.get(JAVA_INT, header + MSGHDR);
            long control = (long) i * CONTROL;
            segments[i] = headers.get(JAVA_LONG, header + 40) >= CMSG_DATA + 4
                && controls.get(JAVA_INT, control + 8) == SOL_UDP && controls.get(JAVA_INT, control + 12) == UDP_GRO
                ? controls.get(JAVA_INT, control + CMSG_DATA) : 0;
        }
        return n;
    }

    /**
     * @param i 0 to the count received minus one.
     * @return the length of message {@code i} of the last {@link #receive}.
     */
    public int length(int i) {
        return lengths[i];
    }

    /**
     * @param i 0 to the count received minus one.
     * @return 0 when message {@code i} is one datagram; else it holds datagrams of this size, the last maybe
     *         shorter (only after {@link #enableCoalescedReceive(int)}).
     */
    public int segmentSize(int i) {
        return segments[i];
    }

    /**
     * @param i 0 to the count received minus one.
     * @return how many datagrams message {@code i} holds.
     */
    public int datagrams(int i) {
        return segments[i] > 0 && lengths[i] > segments[i] ? (lengths[i] + segments[i] - 1) / segments[i] : 1;
    }

    /**
     * @param i 0 to the count received minus one.
     * @return where message {@code i} of the last {@link #receive} starts in {@link #data()}.
     */
    public int offset(int i) {
        return i * SLOT;
    }

    /** @return the slots as one buffer (use absolute gets, or a duplicate). */
    public ByteBuffer data() {
        return data;
    }

    /**
     * Sends the first {@code count} messages of the last {@link #receive} (each one datagram: a socket without
     * {@link #enableCoalescedReceive}), each datagram whole and in order, in as few calls as the kernel allows. A
     * message the kernel refuses is skipped (the rest still go).
     *
     * @param fd    a connected datagram socket's descriptor.
     * @param count how many to send.
     * @return how many datagrams were refused; {@link #lastError()} says why.
     * @throws IOException when the call itself cannot be made.
     */
    public int send(int fd, int count) throws IOException {
        for (int i = 0; i < count; i++) {
            iovecs.set(JAVA_LONG, (long) i * IOVEC + 8, lengths[i]);
        }
        int refused = 0;
        refusedBytes = 0;
        int from = 0;
        while (from < count) {
            int messages = plan(from, count);
            int done = 0;
            while (done < messages) {
                int n;
                try {
                    n = (int) SENDMMSG.invokeExact(state, fd, sendHeadersFrom[done], messages - done, 0);
                } catch (Throwable e) {
                    throw new IOException("sendmmsg: " + e, e);
                }
                if (n > 0) {
                    done += n;
                    continue;
                }
                int errno = (int) ERRNO.get(state, 0L);
                if (errno == EINTR) {
                    continue;
                }
                int size = lengths[runStart[done]];
                if (runLength[done] > 1 && (errno == EINVAL || errno == EIO || errno == EMSGSIZE
                    || errno == ENOPROTOOPT)) {
                    // No segmentation for this size here: send this run again one datagram per message.
                    segmentLimit = Math.min(segmentLimit, size);
                    break;
                }
                lastErrno = errno;
                for (int d = runStart[done]; d < runStart[done] + runLength[done]; d++) {
                    refusedBytes += lengths[d];
                }
                refused += runLength[done];
                done++;
            }
            from = done < messages ? runStart[done] : runStart[messages - 1] + runLength[messages - 1];
        }
        return refused;
    }

    /**
     * Lays out messages for datagrams {@code from} to {@code count - 1}: consecutive datagrams of one size (the
     * last may be shorter) share a message with a {@code UDP_SEGMENT} size.
     *
     * @return how many messages.
     */
    private int plan(int from, int count) {
        int messages = 0;
        int d = from;
        while (d < count) {
            int size = lengths[d];
            int run = 1;
            if (size > 0 && size < segmentLimit) {
                int most = Math.min(MAX_SEGMENTS, MAX_RUN_BYTES / size);
                while (run < most && d + run < count && lengths[d + run] == size) {
                    run++;
                }
                if (run < most && d + run < count && lengths[d + run] > 0 && lengths[d + run] < size) {
                    run++;
                }
            }
            long header = (long) messages * MMSGHDR;
            // Raw addresses (64-bit layouts only, as checked in the static block): no segment is made per message.
            sendHeaders.set(JAVA_LONG, header + 16, iovecs.address() + (long) d * IOVEC);
            sendHeaders.set(JAVA_LONG, header + 24, run);
            if (run > 1) {
                long control = (long) messages * CONTROL;
                sendControls.set(JAVA_SHORT, control + CMSG_DATA, (short) size);
                sendHeaders.set(JAVA_LONG, header + 32, sendControls.address() + control);
                sendHeaders.set(JAVA_LONG, header + 40, 24);
            } else {
                sendHeaders.set(JAVA_LONG, header + 32, 0L);
                sendHeaders.set(JAVA_LONG, header + 40, 0);
            }
            runStart[messages] = d;
            runLength[messages] = run;
            messages++;
            d += run;
        }
        return messages;
    }

    /** @return the bytes of the datagrams the last {@link #send} refused. */
    public long refusedBytes() {
        return refusedBytes;
    }

    /** @return why the last refused send was refused. */
    public String lastError() {
        return describe(lastErrno);
    }

    private static String describe(int errno) {
        return switch (errno) {
            case 90 -> "message too long";
            case 101 -> "network is unreachable";
            case 105 -> "no buffer space available";
            case 111 -> "connection refused";
            case 113 -> "no route to host";
            default -> "errno " + errno;
        };
    }

    @Override
    public void close() {
        arena.close();
    }
}
