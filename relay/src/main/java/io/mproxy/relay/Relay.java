package io.mproxy.relay;

import io.mproxy.common.net.MulticastSettings;
import io.mproxy.common.net.SocketSpec;
import io.mproxy.common.stats.Counter;
import io.mproxy.common.stats.Counters;
import io.mproxy.common.stats.StatsReporter;
import io.mproxy.relay.link.Link;
import io.mproxy.relay.listen.DatagramSource;
import io.mproxy.relay.listen.Listener;
import io.mproxy.relay.listen.UdpSource;
import io.mproxy.relay.listen.UnixSource;
import io.mproxy.relay.queue.PacketRing;
import io.mproxy.relay.spill.SpillStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay: one listener draining its socket into the shared {@link PacketRing}, one {@link Worker} per
 * destination, a {@link Fallback}. {@link #reload(RelayContext)} applies a new configuration without losing a packet.
 *
 * <pre>{@code
 * RelayContext context = new RelayContext().listener(SocketSpec.parse("127.0.0.1:9000", true))
 *     .fallback(SocketSpec.parse("tcp@127.0.0.1:9100", false)).worker(SocketSpec.parse("tcp@10.0.0.1:9200", false));
 * try (Relay relay = Relay.start(context.validate(), multicast, stats)) {
 *     signals.await();
 * }
 * }</pre>
 */
public final class Relay implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Relay.class);
    /** The largest packet relayed (a longer unix datagram is cut to this and counted by the kernel's MSG_TRUNC). */
    public static final int MAX_PACKET = 65_535;
    private static final Set<Counter> DESTINATION_COUNTERS = EnumSet.of(Counter.DATAGRAMS_IN, Counter.DATAGRAMS_OUT,
        Counter.BYTES_OUT, Counter.SPILLED, Counter.REPLAYED, Counter.DROPPED, Counter.RECONNECTS, Counter.ERRORS,
        Counter.TRUNCATED);

    private final MulticastSettings multicast;
    private final StatsReporter stats;
    private final Map<String, Counters> counters = new LinkedHashMap<>();
    private final Map<String, Worker> workers = new LinkedHashMap<>();
    private final List<Worker> retiring = new ArrayList<>();
    private RelayContext context;
    private PacketRing ring;
    private Fallback fallback;
    private Listener listener;
    private SocketSpec listenerSpec;
    private Counters listenerCounters;

    private Relay(RelayContext context, MulticastSettings multicast, StatsReporter stats) {
        this.context = context;
        this.multicast = multicast;
        this.stats = stats;
    }

    /**
     * Opens the spill directories, the fallback, the workers and the listener, then starts them.
     *
     * @param context   validated settings.
     * @param multicast for UDP groups.
     * @param stats     receives every component's counters.
     * @return the running relay.
     * @throws IOException naming what cannot be opened (what was opened is closed).
     */
    public static Relay start(RelayContext context, MulticastSettings multicast, StatsReporter stats)
        throws IOException {
        Relay relay = new Relay(context, multicast, stats);
        try {
            relay.open();
            return relay;
        } catch (IOException | RuntimeException e) {
            relay.close();
            throw e;
        }
    }

    private void open() throws IOException {
        ring = new PacketRing((int) context.queueLimit(), MAX_PACKET, context.queuePrefault());
        Link fallbackLink = Links.open(context.fallback(), multicast);
        fallback = new Fallback(context.fallback(), fallbackLink, Links.withLength(fallbackLink, context.framing()),
            counters("fallback " + context.fallback().text()), context);
        List<Worker> opened = new ArrayList<>();
        try {
            for (SocketSpec spec : context.workers()) {
                opened.add(openWorker(spec, context));
            }
        } catch (IOException | RuntimeException e) {
            opened.forEach(w -> ring.detach(w.cursor()));
            throw e;
        }
        DatagramSource source = openSource(context.listener(), context);
        opened.forEach(w -> workers.put(w.spec().text(), w.start()));
        startListener(context.listener(), source);
    }

    private void startListener(SocketSpec spec, DatagramSource source) {
        listenerSpec = spec;
        listenerCounters = new Counters("listener " + spec.text(),
            EnumSet.of(Counter.DATAGRAMS_IN, Counter.BYTES_IN, Counter.ERRORS));
        stats.add(listenerCounters, source.kernelDropsLabel(), source::kernelDrops);
        listener = new Listener(spec.text(), source, ring, listenerCounters).start();
        LOG.info("listening on {} ({})", spec.text(), source.boundAddress());
    }

    private DatagramSource openSource(SocketSpec spec, RelayContext settings) throws IOException {
        return spec.kind() == SocketSpec.Kind.UNIX ? UnixSource.open(spec.path(), settings.receiveBuffer())
            : UdpSource.open(spec.endpoint(), multicast, settings.receiveBuffer());
    }

    private Counters counters(String name) {
        return counters.computeIfAbsent(name, n -> {
            Counters c = new Counters(n, DESTINATION_COUNTERS);
            stats.add(c);
            return c;
        });
    }

    private Worker openWorker(SocketSpec spec, RelayContext settings) throws IOException {
        SpillStore spill = SpillStore.open(spillDir(settings, spec), settings.spillMaxBytes(),
            settings.spillSegmentBytes(), MAX_PACKET, Worker.MAX_BATCH);
        Link link = Links.open(spec, multicast);
        return new Worker(spec, link, ring, ring.attach(), spill, fallback, counters(spec.text()), settings);
    }

    /**
     * @param settings the settings.
     * @param spec     a destination.
     * @return its spill directory: the spec with every character other than letters, digits, {@code . - _}
     *     replaced by {@code _}.
     */
    static Path spillDir(RelayContext settings, SocketSpec spec) {
        return settings.spillDir().resolve(spec.text().replaceAll("[^A-Za-z0-9._-]", "_"));
    }

    /** @return every component's counters: listener, fallback, destinations (for the metrics endpoint). */
    public synchronized Collection<Counters> counters() {
        List<Counters> all = new ArrayList<>();
        all.add(listenerCounters);
        all.addAll(counters.values());
        return all;
    }

    /** @return the listener's bound address (an ephemeral port resolved) or socket path. */
    public synchronized String listenerAddress() {
        return listener.source().boundAddress();
    }

    /**
     * Applies a new configuration: unchanged destinations keep their queue and connection; removed ones send or
     * spill what they hold, then end; new ones start; the listener is re-bound only if it changed, and what the old
     * socket already holds is taken first. If anything new cannot be opened, nothing changes.
     *
     * @param next the new, validated settings.
     * @throws IOException naming what cannot be opened; the relay runs on unchanged.
     */
    public synchronized void reload(RelayContext next) throws IOException {
        reapRetired();
        DatagramSource newSource = null;
        if (!next.listener().text().equals(listenerSpec.text())) {
            newSource = openSource(next.listener(), next);
        }
        Map<String, SocketSpec> wanted = new LinkedHashMap<>();
        next.workers().forEach(spec -> wanted.put(spec.text(), spec));
        List<Worker> added = new ArrayList<>();
        try {
            for (SocketSpec spec : wanted.values()) {
                if (!workers.containsKey(spec.text())) {
                    awaitRetired(spec.text());
                    added.add(openWorker(spec, next));
                }
            }
        } catch (IOException | RuntimeException e) {
            added.forEach(w -> ring.detach(w.cursor()));
            if (newSource != null) {
                newSource.close();
            }
            throw e;
        }
        long end = ring.publishedPosition();
        for (String name : List.copyOf(workers.keySet())) {
            if (!wanted.containsKey(name)) {
                Worker removed = workers.remove(name);
                removed.stopAt(end);
                retiring.add(removed);
                LOG.info("{}: removed; sending or spilling what it holds", name);
            }
        }
        for (Worker worker : added) {
            workers.put(worker.spec().text(), worker.start());
            LOG.info("{}: added", worker.spec().text());
        }
        if (!next.fallback().text().equals(fallback.spec().text())) {
            Link link = Links.open(next.fallback(), multicast);
            fallback.retarget(next.fallback(), link, Links.withLength(link, next.framing()));
        }
        if (newSource != null) {
            Listener old = listener;
            old.stop(true);
            old.close();
            startListener(next.listener(), newSource);
        }
        context = next;
        LOG.info("reloaded: {} destination(s)", workers.size());
    }

    private void awaitRetired(String name) {
        for (Worker worker : retiring) {
            if (worker.spec().text().equals(name)) {
                worker.join(context.flushTimeout().toMillis() + 5_000);
            }
        }
        reapRetired();
    }

    private void reapRetired() {
        retiring.removeIf(w -> w.join(0));
    }

    /**
     * Takes what the kernel already holds for the listening socket, stops receiving, lets every destination send what
     * it holds (or spill it), and closes everything: a datagram the kernel accepted is delivered, spilled or counted.
     */
    @Override
    public synchronized void close() {
        if (listener != null) {
            listener.stop(true);
            listener.close();
        }
        long end = ring == null ? 0 : ring.publishedPosition();
        List<Worker> all = new ArrayList<>(workers.values());
        all.addAll(retiring);
        all.forEach(w -> w.stopAt(end));
        for (Worker worker : all) {
            if (!worker.join(context.flushTimeout().toMillis() + 30_000)) {
                LOG.warn("{}: did not finish in time", worker.spec().text());
            }
        }
        if (fallback != null) {
            fallback.close();
        }
        for (Worker worker : all) {
            Counters c = counters.get(worker.spec().text());
            if (c != null && c.get(Counter.DROPPED) > 0) {
                LOG.warn("{}: {} packet(s) handed to the fallback", worker.spec().text(), c.get(Counter.DROPPED));
            }
        }
    }
}
