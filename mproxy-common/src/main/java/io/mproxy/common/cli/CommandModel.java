package io.mproxy.common.cli;

import io.mproxy.common.net.Endpoint;
import java.util.List;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Builds a binary's picocli model in code, with no annotations. picocli reads annotations by reflection, and each
 * annotation type read makes the JDK generate a proxy class with its class-file API, interpreted at start: that took
 * about 80 of the 95 ms a binary spent building its model (dist/README.md, "Start-up"). The values parsed are read
 * off the options ({@link OptionSpec#getValue()}).
 *
 * <pre>{@code
 * private final CommandSpec spec = CommandModel.command(this, "mproxy-server", "Listens on ...");
 * private final OptionSpec tee = CommandModel.flag(spec, "Also copy everything to stdout.", "-t", "--tee");
 * }</pre>
 */
public final class CommandModel {
    private CommandModel() {
    }

    /**
     * @param command     what runs once the arguments are parsed.
     * @param name        the binary's name.
     * @param description the paragraphs of {@code --help} under the synopsis.
     * @return the model; options are listed by {@code --help} in the order they are added.
     */
    public static CommandSpec command(BinaryCommand command, String name, String... description) {
        CommandSpec spec = CommandSpec.wrapWithoutInspection(command).name(name)
            .versionProvider(new VersionProvider(name));
        spec.usageMessage().sortOptions(false).autoWidth(true).description(description);
        return spec;
    }

    /**
     * @param spec   the model.
     * @param option the option, with its type (and converter where picocli has none built in).
     * @return the option added, to read its value after parsing.
     */
    public static OptionSpec option(CommandSpec spec, OptionSpec.Builder option) {
        OptionSpec built = option.build();
        spec.addOption(built);
        return built;
    }

    /**
     * @param spec         the model.
     * @param defaultBytes the default: the library's constant, shown as {@code --help} would take it ({@code 32Mi}).
     * @param description  its line in {@code --help}.
     * @param names        its names.
     * @return an option of {@code BYTES}: a number with an optional k/M/G (or Ki/Mi/Gi) suffix.
     */
    public static OptionSpec size(CommandSpec spec, long defaultBytes, String description, String... names) {
        return option(spec, OptionSpec.builder(names).paramLabel("BYTES").type(long.class)
            .converters(new Converters.SizeConverter()).defaultValue(Converters.formatSize(defaultBytes))
            .description(description));
    }

    /**
     * @param converter how one value is read: {@link Converters.EndpointConverter} for where to send,
     *                  {@link Converters.ListenEndpointConverter} for where to listen.
     * @param names     its names.
     * @return a repeatable {@code HOST:PORT} option, to describe (and make required) before adding it.
     */
    public static OptionSpec.Builder endpoints(ITypeConverter<Endpoint> converter, String... names) {
        return OptionSpec.builder(names).paramLabel("HOST:PORT").type(List.class).auxiliaryTypes(Endpoint.class)
            .converters(converter);
    }

    /**
     * @param spec      the model.
     * @param parameter the positional parameter.
     * @return the parameter added, to read its value after parsing.
     */
    public static PositionalParamSpec positional(CommandSpec spec, PositionalParamSpec.Builder parameter) {
        PositionalParamSpec built = parameter.build();
        spec.addPositional(built);
        return built;
    }

    /**
     * @param spec        the model.
     * @param description its line in {@code --help}.
     * @param names       its names.
     * @return an option without a value, false unless given.
     */
    public static OptionSpec flag(CommandSpec spec, String description, String... names) {
        return option(spec, OptionSpec.builder(names).type(boolean.class).defaultValue("false")
            .description(description));
    }

    /**
     * @param option a repeatable option or positional parameter.
     * @param <T>    the type of one value.
     * @return the values given, in order; empty when none was.
     */
    public static <T> List<T> values(ArgSpec option) {
        List<T> values = option.getValue();
        return values == null ? List.of() : values;
    }

    /**
     * The whole model of a binary's command line, as {@code --help} shows it: its own options, then the options every
     * binary has, added once: {@code -v/--verbose} ({@link Cli} reads it off the raw arguments, before any logger
     * exists), {@code -h/--help} and {@code -V/--version}. The bundle's man pages and completions are made from it.
     *
     * @param command the command.
     * @return its model.
     */
    public static CommandSpec model(BinaryCommand command) {
        CommandSpec spec = command.spec();
        if (spec.findOption("--help") == null) {
            flag(spec, "Log debug detail, and stack traces with errors.", "-v", "--verbose");
            spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true)
                .description("Show this help message and exit.").build());
            spec.addOption(OptionSpec.builder("-V", "--version").versionHelp(true)
                .description("Print version information and exit.").build());
        }
        return spec;
    }
}
