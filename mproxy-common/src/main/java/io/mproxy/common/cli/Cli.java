package io.mproxy.common.cli;

import io.mproxy.common.Errors;
import io.mproxy.common.net.InvalidEndpointException;
import io.mproxy.common.net.UnresolvedHostException;
import java.io.PrintWriter;
import java.util.Arrays;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * Runs a binary's picocli command and maps every outcome to an exit code in one place: 0 success, 1 runtime failure,
 * 2 bad usage. Errors are one line on stderr ({@code binary: message}); a stack trace only with {@code --verbose}.
 */
public final class Cli {
    private Cli() {
    }

    /**
     * The body of every binary's {@code main}: runs and exits with the code.
     *
     * @param command the picocli command object.
     * @param args    the arguments.
     */
    public static void main(Object command, String[] args) {
        configureLogging(args);
        int code = execute(command, args, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
        System.out.flush();
        System.exit(code);
    }

    /** -v/--verbose must lower the log level before the first logger exists, so it is read off the raw args. */
    private static void configureLogging(String[] args) {
        boolean verbose = Arrays.stream(args).anyMatch(a -> a.equals("-v") || a.equals("--verbose"));
        if (verbose && System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "debug");
        }
    }

    /**
     * Runs the command with the given writers (tests call this directly).
     *
     * @param command the picocli command object.
     * @param args    the arguments.
     * @param out     standard output (help, version).
     * @param err     standard error (error lines).
     * @return the exit code.
     */
    public static int execute(Object command, String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(command);
        String name = cli.getCommandName();
        boolean verbose = Arrays.stream(args).anyMatch(a -> a.equals("-v") || a.equals("--verbose"));
        cli.setOut(out).setErr(err);
        cli.setParameterExceptionHandler((ParameterException e, String[] a) -> {
            if (unresolvedHost(e)) {
                err.println(name + ": " + e.getMessage());
                err.flush();
                return ExitCodes.FAILURE;
            }
            err.println(name + ": " + e.getMessage() + " (see '" + name + " --help')");
            err.flush();
            return ExitCodes.USAGE;
        });
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            boolean usage = e instanceof UsageException
                || e instanceof InvalidEndpointException && !(e instanceof UnresolvedHostException);
            err.println(name + ": " + Errors.describe(e) + (usage ? " (see '" + name + " --help')" : ""));
            if (verbose) {
                e.printStackTrace(err);
            }
            err.flush();
            return usage ? ExitCodes.USAGE : ExitCodes.FAILURE;
        });
        return cli.execute(args);
    }

    /** A host name that does not resolve is a runtime failure (exit 1): the resolver may be down, help won't fix it. */
    private static boolean unresolvedHost(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof UnresolvedHostException) {
                return true;
            }
        }
        return false;
    }
}
