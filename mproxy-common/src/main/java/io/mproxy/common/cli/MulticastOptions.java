package io.mproxy.common.cli;

import io.mproxy.common.net.MulticastSettings;
import java.net.NetworkInterface;
import picocli.CommandLine.Option;

/** The multicast options of every binary that joins or sends to groups. */
public final class MulticastOptions {
    @Option(names = {"--multicast-interface", "--multicast_interface"}, paramLabel = "NAME|ADDRESS",
        converter = Converters.InterfaceConverter.class,
        description = "Interface to join groups on and send multicast from (default: the one the route to the group"
            + " uses; always set explicitly on the socket).")
    NetworkInterface networkInterface;

    @Option(names = {"--multicast-ttl", "--multicast_ttl"}, paramLabel = "HOPS", defaultValue = "1",
        description = "TTL / hop limit of multicast sent, 0 to 255 (default: ${DEFAULT-VALUE}).")
    int ttl;

    @Option(names = {"--multicast-loop", "--multicast_loop"}, paramLabel = "true|false", arity = "1",
        defaultValue = "true",
        description = "Deliver this host's multicast to its own listeners too (default: ${DEFAULT-VALUE}).")
    boolean loop;

    /** @return the settings. @throws UsageException when the TTL is out of range. */
    public MulticastSettings settings() {
        if (ttl < 0 || ttl > 255) {
            throw new UsageException("--multicast-ttl " + ttl + " is out of range: expected 0 to 255");
        }
        return new MulticastSettings(networkInterface, ttl, loop);
    }
}
