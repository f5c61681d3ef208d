package io.mproxy.common.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

class CommandModelTest {
    /** A command with a repeatable option and a flag; call() records what it read. */
    static final class Sample implements BinaryCommand {
        final CommandSpec spec = CommandModel.command(this, "sample", "A sample.");
        final OptionSpec names = CommandModel.option(spec, OptionSpec.builder("-n", "--name").paramLabel("NAME")
            .type(List.class).auxiliaryTypes(String.class).description("A name; repeatable."));
        final OptionSpec loud = CommandModel.flag(spec, "Shout.", "--loud");
        final List<Object> seen = new ArrayList<>();

        @Override
        public CommandSpec spec() {
            return spec;
        }

        @Override
        public Integer call() {
            seen.add(CommandModel.values(names));
            seen.add(loud.getValue());
            return 0;
        }
    }

    @Test
    void shouldAddStandardOptionsOnceAfterTheCommandsOwn() {
        Sample sample = new Sample();
        CommandModel.model(sample);
        CommandSpec spec = CommandModel.model(sample);
        assertThat(spec.options()).extracting(OptionSpec::longestName)
            .containsExactly("--name", "--loud", "--verbose", "--help", "--version");
    }

    @Test
    void shouldReadEmptyListAndFalseWhenNothingIsGiven() {
        Sample sample = new Sample();
        assertThat(run(sample)).isZero();
        assertThat(sample.seen).containsExactly(List.of(), false);
    }

    @Test
    void shouldReadRepeatedValuesInOrderAndTheFlag() {
        Sample sample = new Sample();
        assertThat(run(sample, "-n", "b", "--loud", "--name", "a")).isZero();
        assertThat(sample.seen).containsExactly(List.of("b", "a"), true);
    }

    @Test
    void shouldPrintTheVersionLineOfTheCommandsName() {
        StringWriter out = new StringWriter();
        assertThat(Cli.execute(new Sample(), new String[] {"--version"}, new PrintWriter(out, true),
            new PrintWriter(new StringWriter(), true))).isZero();
        assertThat(out.toString()).isEqualTo(VersionText.line("sample") + System.lineSeparator());
    }

    private static int run(Sample sample, String... args) {
        return Cli.execute(sample, args, new PrintWriter(new StringWriter(), true),
            new PrintWriter(new StringWriter(), true));
    }
}
