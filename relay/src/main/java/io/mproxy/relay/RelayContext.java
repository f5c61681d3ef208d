package io.mproxy.relay;

import io.mproxy.common.cli.Converters;
import io.mproxy.common.cli.UsageException;
import io.mproxy.common.framing.Framing;
import io.mproxy.common.net.SocketSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;
import picocli.CommandLine.TypeConversionException;

/**
 * Everything a {@link Relay} needs: the listener, the fallback, the workers and the tunables, with defaults as named
 * constants. Tunables are set by the names the config file uses ({@link #set(String, String)}).
 */
public final class RelayContext {
    /** Default memory for queued packets (all destinations share one copy of each): 64 MiB. */
    public static final long DEFAULT_QUEUE_LIMIT = 64L << 20;
    /** Default most packets a destination holds in memory before spilling. */
    public static final long DEFAULT_QUEUE_LIMIT_COUNT = 1_000_000;
    /** Default age after which a down destination's packets go to disk. */
    public static final Duration DEFAULT_SPILL_AFTER = Duration.ofSeconds(3);
    /** Default spill directory, relative to the working directory. */
    public static final Path DEFAULT_SPILL_DIR = Path.of("relay-spill");
    /** Default bound on one destination's spill. */
    public static final long DEFAULT_SPILL_MAX_BYTES = 1L << 30;
    /** Default spill segment size. */
    public static final long DEFAULT_SPILL_SEGMENT_BYTES = 64L << 20;
    /** Default replay rate (bytes per second): fast, yet leaves room for live traffic on a 1 Gb/s link. */
    public static final long DEFAULT_REPLAY_RATE = 50_000_000;
    /** Default time a connected destination may take no bytes before it is reconnected. */
    public static final Duration DEFAULT_SEND_TIMEOUT = Duration.ofSeconds(10);
    /** Default time SIGTERM or a reload gives a destination to take its queue before the rest is spilled. */
    public static final Duration DEFAULT_FLUSH_TIMEOUT = Duration.ofSeconds(5);
    /** Default first reconnect delay bound. */
    public static final Duration DEFAULT_RECONNECT_MIN = Duration.ofMillis(200);
    /** Default largest reconnect delay. */
    public static final Duration DEFAULT_RECONNECT_MAX = Duration.ofSeconds(10);
    /**
     * Default SO_RCVBUF of the listener: 32 MiB, 30 ms of 1400-byte datagrams at 775 k/s, costing memory only while it
     * holds data. In job 4's lossless search at 1400 B (four alternating rounds) 8 MiB gave 500-775 k pkt/s, 32 MiB
     * 675-775 k: a stall of the listener that 8 MiB did not cover failed a trial (relay/README.md).
     */
    public static final long DEFAULT_RCVBUF = 32L << 20;

    private final Map<String, BiConsumer<RelayContext, String>> setters = setters();
    private SocketSpec listener;
    private SocketSpec fallback;
    private final List<SocketSpec> workers = new ArrayList<>();
    private long queueLimit = DEFAULT_QUEUE_LIMIT;
    private long queueLimitCount = DEFAULT_QUEUE_LIMIT_COUNT;
    private boolean queuePrefault;
    private Duration spillAfter = DEFAULT_SPILL_AFTER;
    private Path spillDir = DEFAULT_SPILL_DIR;
    private long spillMaxBytes = DEFAULT_SPILL_MAX_BYTES;
    private long spillSegmentBytes = DEFAULT_SPILL_SEGMENT_BYTES;
    private long replayRate = DEFAULT_REPLAY_RATE;
    private Duration sendTimeout = DEFAULT_SEND_TIMEOUT;
    private Duration flushTimeout = DEFAULT_FLUSH_TIMEOUT;
    private Duration reconnectMin = DEFAULT_RECONNECT_MIN;
    private Duration reconnectMax = DEFAULT_RECONNECT_MAX;
    private long receiveBuffer = DEFAULT_RCVBUF;
    private Framing framing = Framing.LENGTH;

    private static Map<String, BiConsumer<RelayContext, String>> setters() {
        Map<String, BiConsumer<RelayContext, String>> map = new LinkedHashMap<>();
        map.put("queue_limit", (c, v) -> c.queueLimit = size(v));
        map.put("queue_limit_count", (c, v) -> c.queueLimitCount = size(v));
        map.put("queue_prefault", (c, v) -> c.queuePrefault = flag(v));
        map.put("spill_after", (c, v) -> c.spillAfter = Converters.parseDuration(v));
        map.put("spill_dir", (c, v) -> c.spillDir = Path.of(v));
        map.put("spill_max_bytes", (c, v) -> c.spillMaxBytes = size(v));
        map.put("spill_segment_bytes", (c, v) -> c.spillSegmentBytes = size(v));
        map.put("replay_rate", (c, v) -> c.replayRate = size(v));
        map.put("send_timeout", (c, v) -> c.sendTimeout = Converters.parseDuration(v));
        map.put("flush_timeout", (c, v) -> c.flushTimeout = Converters.parseDuration(v));
        map.put("reconnect_min", (c, v) -> c.reconnectMin = Converters.parseDuration(v));
        map.put("reconnect_max", (c, v) -> c.reconnectMax = Converters.parseDuration(v));
        map.put("rcvbuf", (c, v) -> c.receiveBuffer = size(v));
        map.put("framing", (c, v) -> c.framing = framing(v));
        return map;
    }

    /** @return the names of every tunable, as the config file spells them. */
    public static List<String> tunableNames() {
        return List.copyOf(setters().keySet());
    }

    /**
     * Sets a tunable by its config-file name.
     *
     * @param name  e.g. {@code spill_after}.
     * @param value e.g. {@code 3s}.
     * @return this for a fluent API.
     * @throws UsageException naming the setting and what is expected.
     */
    public RelayContext set(String name, String value) {
        BiConsumer<RelayContext, String> setter = setters.get(name.toLowerCase(Locale.ROOT).replace('-', '_'));
        if (setter == null) {
            throw new UsageException("unknown setting '" + name + "': expected one of " + String.join(", ",
                setters.keySet()));
        }
        try {
            setter.accept(this, value.trim());
        } catch (TypeConversionException | IllegalArgumentException e) {
            throw new UsageException(name + ": " + e.getMessage());
        }
        return this;
    }

    private static long size(String value) {
        return Converters.parseSize(value);
    }

    private static boolean flag(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("'" + value + "' is not a flag: expected true or false");
        };
    }

    private static Framing framing(String value) {
        Framing f = Framing.parse(value);
        if (f == Framing.LINE) {
            throw new IllegalArgumentException("framing 'line' is not for the relay: expected length or raw");
        }
        return f;
    }

    /** @param listener where packets come in (UDP or unix datagram). @return this for a fluent API. */
    public RelayContext listener(SocketSpec listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
        return this;
    }

    /** @param fallback what no worker can deliver or spill goes here. @return this for a fluent API. */
    public RelayContext fallback(SocketSpec fallback) {
        this.fallback = Objects.requireNonNull(fallback, "fallback");
        return this;
    }

    /** @param worker one destination. @return this for a fluent API. */
    public RelayContext worker(SocketSpec worker) {
        workers.add(Objects.requireNonNull(worker, "worker"));
        return this;
    }

    /** @return this, checked. @throws UsageException naming what to change. */
    public RelayContext validate() {
        if (listener == null || fallback == null || workers.isEmpty()) {
            throw new UsageException("expected LISTENER FALLBACK WORKER... (at least one worker) or a config file");
        }
        if (listener.kind() == SocketSpec.Kind.TCP) {
            throw new UsageException("listener '" + listener.text() + "' is TCP: expected a UDP address or a unix "
                + "datagram socket path");
        }
        List<String> seen = new ArrayList<>();
        for (SocketSpec worker : workers) {
            if (seen.contains(worker.text())) {
                throw new UsageException("worker '" + worker.text() + "' is given twice");
            }
            seen.add(worker.text());
        }
        if (queueLimit < (1 << 20) || queueLimit > Integer.MAX_VALUE - 8) {
            throw new UsageException("queue_limit " + queueLimit + " is out of range: expected 1Mi to 2Gi");
        }
        if (queueLimitCount < 1) {
            throw new UsageException("queue_limit_count must be at least 1");
        }
        if (spillSegmentBytes < (1 << 16) || spillMaxBytes < (1 << 16)) {
            throw new UsageException("spill_segment_bytes and spill_max_bytes must be at least 64Ki");
        }
        if (reconnectMin.isZero() || reconnectMax.compareTo(reconnectMin) < 0) {
            throw new UsageException("reconnect_min must be above 0 and at most reconnect_max");
        }
        if (receiveBuffer > Integer.MAX_VALUE) {
            throw new UsageException("rcvbuf must be below 2Gi");
        }
        return this;
    }

    /** @return the listener. */
    public SocketSpec listener() {
        return listener;
    }

    /** @return the fallback. */
    public SocketSpec fallback() {
        return fallback;
    }

    /** @return the workers, in order. */
    public List<SocketSpec> workers() {
        return List.copyOf(workers);
    }

    /** @return bytes of the shared packet ring. */
    public long queueLimit() {
        return queueLimit;
    }

    /** @return packets one destination may hold in memory. */
    public long queueLimitCount() {
        return queueLimitCount;
    }

    /** @return true when the ring's memory is faulted in at start rather than as traffic first fills it. */
    public boolean queuePrefault() {
        return queuePrefault;
    }

    /** @return the age after which a down destination's packets are spilled. */
    public Duration spillAfter() {
        return spillAfter;
    }

    /** @return the spill directory. */
    public Path spillDir() {
        return spillDir;
    }

    /** @return the bound on one destination's spill. */
    public long spillMaxBytes() {
        return spillMaxBytes;
    }

    /** @return the spill segment size. */
    public long spillSegmentBytes() {
        return spillSegmentBytes;
    }

    /** @return bytes per second replayed from spill, 0 for no limit. */
    public long replayRate() {
        return replayRate;
    }

    /** @return how long a connected destination may take nothing before it is reconnected. */
    public Duration sendTimeout() {
        return sendTimeout;
    }

    /** @return how long a stop or removal waits for a destination to take its queue. */
    public Duration flushTimeout() {
        return flushTimeout;
    }

    /** @return the first reconnect delay bound. */
    public Duration reconnectMin() {
        return reconnectMin;
    }

    /** @return the largest reconnect delay. */
    public Duration reconnectMax() {
        return reconnectMax;
    }

    /** @return SO_RCVBUF of the listener. */
    public int receiveBuffer() {
        return (int) receiveBuffer;
    }

    /** @return framing on TCP destinations: LENGTH or RAW. */
    public Framing framing() {
        return framing;
    }
}
