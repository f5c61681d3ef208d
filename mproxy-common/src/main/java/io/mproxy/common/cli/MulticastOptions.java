package io.mproxy.common.cli;

import io.mproxy.common.net.MulticastSettings;
import java.net.NetworkInterface;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** The multicast options of every binary that joins or sends to groups. */
public final class MulticastOptions {
    private final OptionSpec networkInterface;
    private final OptionSpec ttl;
    private final OptionSpec loop;

    /** @param spec the model to add the options to. */
    public MulticastOptions(CommandSpec spec) {
        networkInterface = CommandModel.option(spec,
            OptionSpec.builder("--multicast-interface", "--multicast_interface").paramLabel("NAME|ADDRESS")
                .type(NetworkInterface.class)
                .converters(new Converters.InterfaceConverter())
                .description("Interface to join groups on and send multicast from (default: the one the route to the "
                    + "group uses; always set explicitly on the socket)."));
        ttl = CommandModel.option(spec, OptionSpec.builder("--multicast-ttl", "--multicast_ttl").paramLabel("HOPS")
            .type(int.class).defaultValue("1")
            .description("TTL / hop limit of multicast sent, 0 to 255 (default: ${DEFAULT-VALUE})."));
        loop = CommandModel.option(spec, OptionSpec.builder("--multicast-loop", "--multicast_loop")
            .paramLabel("true|false").type(boolean.class).arity("1").defaultValue("true")
            .description("Deliver this host's multicast to its own listeners too (default: ${DEFAULT-VALUE})."));
    }

    /** @return the settings. @throws UsageException when the TTL is out of range. */
    public MulticastSettings settings() {
        int hops = ttl.getValue();
        if (hops < 0 || hops > 255) {
            throw new UsageException("--multicast-ttl " + hops + " is out of range: expected 0 to 255");
        }
        return new MulticastSettings(networkInterface.getValue(), hops, loop.getValue());
    }
}
