package io.mproxy.common.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;

/**
 * A binary's command line: its picocli model, built in code by {@link CommandModel}, and what it runs once parsed.
 * {@link CommandModel#model} adds {@code -v}, {@code -h} and {@code -V}; {@link Cli} parses and maps the outcome to an
 * exit code.
 */
public interface BinaryCommand extends Callable<Integer> {
    /** @return the model, with this command as its user object; the parsed values are read off its options. */
    CommandSpec spec();
}
