package io.mproxy.common.net;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

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
import java.nio.channels.DatagramChannel;

/**
 * Receives up to a batch of datagrams in one {@code recvmmsg} call (Linux, x86-64 and aarch64 layouts) through the
 * foreign function API: one syscall per batch instead of one per datagram. The channel must be non-blocking; wait
 * for it with a selector. {@link #of} returns null where this is unavailable, and callers receive one at a time.
 *
 * <p>The descriptor comes from {@link NativeSocketOptions#descriptor}.
 */
public final class RecvMmsg implements AutoCloseable {
    private static final int MSGHDR = 56;
    private static final int MMSGHDR = 64;
    private static final int IOVEC = 16;
    private static final int EAGAIN = 11;
    private static final int EINTR = 4;
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle RECVMMSG;

    static {
        MethodHandle recvmmsg = null;
        String arch = System.getProperty("os.arch", "");
        if (System.getProperty("os.name", "").startsWith("Linux")
            && (arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64"))) {
            try {
                Linker linker = Linker.nativeLinker();
                recvmmsg = linker.downcallHandle(linker.defaultLookup().find("recvmmsg").orElseThrow(),
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS),
                    Linker.Option.captureCallState("errno"));
            } catch (RuntimeException | LinkageError e) {
                recvmmsg = null;
            }
        }
        RECVMMSG = recvmmsg;
    }

    private final int fd;
    private final int batch;
    private final int slot;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment headers;
    private final MemorySegment state;
    private final ByteBuffer data;

    private RecvMmsg(int fd, int batch, int slot) {
        this.fd = fd;
        this.batch = batch;
        this.slot = slot;
        MemorySegment buffers = arena.allocate((long) batch * slot, 64);
        MemorySegment iovecs = arena.allocate((long) batch * IOVEC, 8);
        this.headers = arena.allocate((long) batch * MMSGHDR, 8);
        this.state = arena.allocate(CALL_STATE);
        this.data = buffers.asByteBuffer();
        for (int i = 0; i < batch; i++) {
            MemorySegment iov = iovecs.asSlice((long) i * IOVEC, IOVEC);
            iov.set(ADDRESS, 0, buffers.asSlice((long) i * slot, slot));
            iov.set(JAVA_LONG, 8, slot);
            MemorySegment header = headers.asSlice((long) i * MMSGHDR, MMSGHDR);
            header.set(ADDRESS, 16, iov);
            header.set(JAVA_LONG, 24, 1);
        }
    }

    /**
     * @param channel     a bound, non-blocking channel (this object does not own it).
     * @param batch       the most datagrams per call.
     * @param maxDatagram the largest datagram (longer ones are cut).
     * @return the batch receiver, or null where recvmmsg cannot be used.
     */
    public static RecvMmsg of(DatagramChannel channel, int batch, int maxDatagram) {
        int fd = NativeSocketOptions.descriptor(channel);
        if (RECVMMSG == null || fd < 0 || channel.isBlocking()) {
            return null;
        }
        return new RecvMmsg(fd, batch, maxDatagram);
    }

    /**
     * Receives what the socket holds now, up to a batch.
     *
     * @return how many datagrams were received (0 when none was waiting).
     * @throws IOException on a receive error.
     */
    public int receive() throws IOException {
        int n;
        try {
            n = (int) RECVMMSG.invokeExact(state, fd, headers, batch, 0, MemorySegment.NULL);
        } catch (Throwable e) {
            throw new IOException("recvmmsg: " + e, e);
        }
        if (n < 0) {
            int errno = (int) ERRNO.get(state, 0L);
            if (errno == EAGAIN || errno == EINTR) {
                return 0;
            }
            throw new IOException("recvmmsg failed: errno " + errno);
        }
        return n;
    }

    /**
     * Copies datagram {@code i} of the last {@link #receive()} into {@code into}.
     *
     * @param i    0 to the count received minus one.
     * @param into where it goes (position moves past it); it must have room.
     * @return its length.
     */
    public int copy(int i, ByteBuffer into) {
        int length = (int) Math.min(slot, headers.get(JAVA_INT, (long) i * MMSGHDR + MSGHDR));
        into.put(into.position(), data, i * slot, length);
        into.position(into.position() + length);
        return length;
    }

    @Override
    public void close() {
        arena.close();
    }
}
