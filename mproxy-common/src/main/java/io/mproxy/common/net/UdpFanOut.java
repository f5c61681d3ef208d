package io.mproxy.common.net;

import io.mproxy.common.Errors;
import io.mproxy.common.framing.DatagramSink;
import io.mproxy.common.stats.Counter;
import io.mproxy.common.stats.Counters;
import io.mproxy.common.stats.RateLimitedLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends every datagram to every destination over connected channels. A failed send to one destination (port
 * unreachable, no buffer space, ...) is counted on that destination and logged at most once a second; it never
 * stops the others. Datagrams come one at a time ({@link #accept}) or as a {@link DatagramBatch} ({@link #send}: one
 * {@code sendmmsg} per destination); both may be used by several threads at once.
 */
public final class UdpFanOut implements DatagramSink, AutoCloseable {
    private final DatagramChannel[] channels;
    private final Counters[] counters;
    private final RateLimitedLog[] errorLogs;
    private final Endpoint[] destinations;
    /** Each channel's descriptor for batches, found on the first batch (a look through /proc/self/fd). */
    private volatile int[] descriptors;
    /**
     * Per destination, the largest datagram a batch sends segmented (UDP GSO): 0 for none (a multicast group, a
     * kernel without GSO), lowered when the kernel refuses a size. Threads may race on it harmlessly.
     */
    private int[] segmentLimits;

    /**
     * Opens a connected channel per destination.
     *
     * @param destinations where to send.
     * @param multicast    multicast settings for group destinations.
     * @param sendBuffer   SO_SNDBUF to request, 0 for the default.
     * @param countersName names each destination's counters: {@code countersName + " " + destination}.
     * @throws IOException naming the destination that cannot be opened (those opened are closed).
     */
    public UdpFanOut(List<Endpoint> destinations, MulticastSettings multicast, int sendBuffer, String countersName)
        throws IOException {
        this.destinations = destinations.toArray(Endpoint[]::new);
        this.channels = new DatagramChannel[this.destinations.length];
        this.counters = new Counters[this.destinations.length];
        this.errorLogs = new RateLimitedLog[this.destinations.length];
        try {
            for (int i = 0; i < this.destinations.length; i++) {
                channels[i] = UdpChannels.openSender(this.destinations[i], multicast, sendBuffer);
                counters[i] = new Counters(countersName + " " + this.destinations[i].text(),
                    java.util.EnumSet.of(Counter.DATAGRAMS_OUT, Counter.BYTES_OUT, Counter.SEND_ERRORS));
                errorLogs[i] = new RateLimitedLog(UdpFanOut.class, 1000);
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** @return each destination's counters, in the order given. */
    public List<Counters> counters() {
        return new ArrayList<>(List.of(counters));
    }

    @Override
    public void accept(ByteBuffer datagram) {
        for (int i = 0; i < channels.length; i++) {
            sendOne(i, datagram);
        }
        datagram.position(datagram.limit());
    }

    /** Sends to destination {@code i}, leaving the datagram's position where it was. */
    private void sendOne(int i, ByteBuffer datagram) {
        int position = datagram.position();
        int length = datagram.remaining();
        try {
            if (length > 0) {
                channels[i].write(datagram);
            } else if (!NativeSocketOptions.sendEmpty(NativeSocketOptions.descriptor(channels[i]))) {
                // NIO sends nothing for an empty buffer, yet an empty datagram is still a datagram
                throw new IOException("cannot send an empty datagram on this platform");
            }
            counters[i].countOut(length);
        } catch (IOException e) {
            failed(i, e);
        } finally {
            datagram.position(position);
        }
    }

    private void failed(int i, IOException e) {
        failed(counters[i], errorLogs[i], destinations[i].text(), e, 1);
    }

    private static void failed(Counters counters, RateLimitedLog errorLog, String destination, IOException e,
                               int datagrams) {
        counters.add(Counter.SEND_ERRORS, datagrams);
        errorLog.warn("cannot send to " + destination + ": {}", Errors.describe(e));
    }

    /**
     * Sends every datagram of a batch to every destination, in order: one {@code sendmmsg} per destination while all
     * goes well, runs of equal-sized datagrams to a unicast destination segmented by the kernel (UDP GSO, see
     * {@link DatagramBatch#send}). A datagram that cannot be sent to a destination is counted and logged
     * there, and the rest of the batch goes on; the kernel reports an error only for the first datagram of a call, so
     * after a short call the next one starts at the datagram that failed and learns why.
     *
     * @param batch the datagrams.
     */
    public void send(DatagramBatch batch) {
        int[] fds = descriptors();
        int count = batch.count();
        for (int i = 0; i < channels.length; i++) {
            if (fds[i] < 0) {
                for (int d = 0; d < count; d++) {
                    sendOne(i, batch.datagram(d));
                }
                continue;
            }
            segmentLimits[i] = send(batch, fds[i], segmentLimits[i], counters[i], errorLogs[i],
                destinations[i].text());
        }
    }

    /**
     * Sends every datagram of a batch on one connected socket, in order, as {@link #send(DatagramBatch)} does for
     * each destination: counted ({@link Counter#DATAGRAMS_OUT}, {@link Counter#BYTES_OUT}), a datagram that cannot be
     * sent counted ({@link Counter#SEND_ERRORS}) and logged, the rest going on.
     *
     * @param batch          the datagrams: messages of one datagram, or runs taken coalesced (sent segmented as they
     *                       came, or cut where the kernel will not segment them).
     * @param fd             a connected datagram socket's descriptor.
     * @param maxSegmentSize the largest datagram to send segmented (see {@link DatagramBatch#send}), 0 for none.
     * @param counters       the destination's counters.
     * @param errorLog       logs a failed send.
     * @param destination    the destination, for messages.
     * @return the largest datagram to send segmented next time: lower when the kernel refused a size.
     */
    public static int send(DatagramBatch batch, int fd, int maxSegmentSize, Counters counters,
                           RateLimitedLog errorLog, String destination) {
        int limit = maxSegmentSize;
        int count = batch.count();
        int from = 0;
        while (from < count) {
            try {
                int sent = batch.send(fd, from, limit);
                counters.add(Counter.DATAGRAMS_OUT, batch.datagrams(from, from + sent));
                counters.add(Counter.BYTES_OUT, batch.bytes(from, from + sent));
                from += sent;
            } catch (DatagramBatch.SegmentationRefusedException e) {
                limit = e.anySize() ? 0 : e.size() - 1;
                log().debug("{}: {}; sending those one by one", destination, e.getMessage());
            } catch (IOException e) {
                // a run counts as its datagrams (of one sent cut, some may have gone: counted as lost all the same)
                failed(counters, errorLog, destination, e, batch.datagrams(from));
                from++;
            }
        }
        return limit;
    }

    private int[] descriptors() {
        int[] fds = descriptors;
        if (fds == null) {
            fds = new int[channels.length];
            int[] limits = new int[channels.length];
            for (int i = 0; i < channels.length; i++) {
                fds[i] = NativeSocketOptions.descriptor(channels[i]);
                // a group's copies to local members take another path through the kernel: not segmented
                boolean segment = fds[i] >= 0 && !destinations[i].isMulticast() && DatagramBatch.canSegment(fds[i]);
                limits[i] = segment ? UdpChannels.MAX_UDP_PAYLOAD : 0;
            }
            segmentLimits = limits;
            descriptors = fds;
        }
        return fds;
    }

    @Override
    public void close() {
        for (DatagramChannel channel : channels) {
            UdpChannels.closeQuietly(channel);
        }
    }

    /** The logger, looked up at the first line: a client that logs nothing never starts the logging back end. */
    private static Logger log() {
        return LoggerFactory.getLogger(UdpFanOut.class);
    }
}
