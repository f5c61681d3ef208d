package io.mproxy.common.stats;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLongArray;

/** The counters of one component (a listener, an output, a destination): lock-free, allocation-free to update. */
public final class Counters {
    private final String name;
    private final Set<Counter> shown;
    private final AtomicLongArray values = new AtomicLongArray(Counter.values().length);

    /**
     * @param name  the component's name in stats lines, e.g. {@code listener 127.0.0.1:9000}.
     * @param shown the counters its stats line shows (all are counted).
     */
    public Counters(String name, Set<Counter> shown) {
        this.name = Objects.requireNonNull(name, "name");
        this.shown = shown.isEmpty() ? EnumSet.noneOf(Counter.class) : EnumSet.copyOf(shown);
    }

    /** @param name the component's name; shows every counter. */
    public Counters(String name) {
        this(name, EnumSet.allOf(Counter.class));
    }

    /** @return the component's name. */
    public String name() {
        return name;
    }

    /** @return the counters its stats line shows. */
    public Set<Counter> shown() {
        return shown;
    }

    /** @param counter the counter to add one to. */
    public void increment(Counter counter) {
        values.getAndIncrement(counter.ordinal());
    }

    /** @param counter the counter. @param delta what to add. */
    public void add(Counter counter, long delta) {
        values.getAndAdd(counter.ordinal(), delta);
    }

    /** @param counter the counter. @return its value. */
    public long get(Counter counter) {
        return values.get(counter.ordinal());
    }

    /** Counts one datagram of {@code bytes} in. @param bytes its size. */
    public void countIn(int bytes) {
        values.getAndIncrement(Counter.DATAGRAMS_IN.ordinal());
        values.getAndAdd(Counter.BYTES_IN.ordinal(), bytes);
    }

    /** Counts one datagram of {@code bytes} out. @param bytes its size. */
    public void countOut(int bytes) {
        values.getAndIncrement(Counter.DATAGRAMS_OUT.ordinal());
        values.getAndAdd(Counter.BYTES_OUT.ordinal(), bytes);
    }
}
