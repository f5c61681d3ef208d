package io.mproxy.common.cli;

import io.mproxy.common.Errors;
import io.mproxy.common.net.InvalidEndpointException;
import io.mproxy.common.net.UnresolvedHostException;
import java.io.PrintWriter;
import java.util.Arrays;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * Runs a binary's command and maps every outcome to an exit code in one place: 0 success, 1 runtime failure,
 * 2 bad usage. Errors are one line on stderr ({@code binary: message}); a stack trace only with {@code --verbose}.
 */
public final class Cli {
    /** picocli's system property: a regular expression of the built-in converter types it should not register. */
    private static final String CONVERTER_EXCLUDES = "picocli.converters.excludes";

    private Cli() {
    }

    /**
     * The body of every binary's {@code main}: runs and exits with the code.
     *
     * @param command the binary's command.
     * @param args    the arguments.
     */
    public static void main(BinaryCommand command, String[] args) {
        configureLogging(args);
        reportUncaughtAsOneLine(command.spec().name(), args);
        int code = execute(command, args, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
        System.out.flush();
        System.exit(code);
    }

    /**
     * A worker thread that dies of an unexpected exception prints one line, as every other error does (the JDK's
     * default prints a stack trace); the stack trace only with --verbose.
     */
    private static void reportUncaughtAsOneLine(String name, String[] args) {
        boolean verbose = isVerbose(args);
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> {
            System.err.println(name + ": internal error in thread '" + thread.getName() + "': " + Errors.describe(e)
                + " (" + e.getClass().getName() + ")");
            if (verbose) {
                e.printStackTrace();
            }
            System.err.flush();
        });
    }

    /** -v/--verbose is read off the raw arguments: it must act before picocli has parsed them. */
    private static boolean isVerbose(String[] args) {
        return Arrays.stream(args).anyMatch(a -> a.equals("-v") || a.equals("--verbose"));
    }

    /** -v/--verbose must lower the log level before the first logger exists, so it is read off the raw args. */
    private static void configureLogging(String[] args) {
        if (isVerbose(args) && System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "debug");
        }
    }

    /**
     * Runs the command with the given writers (tests call this directly).
     *
     * @param command the binary's command.
     * @param args    the arguments.
     * @param out     standard output (help, version).
     * @param err     standard error (error lines).
     * @return the exit code.
     */
    public static int execute(BinaryCommand command, String[] args, PrintWriter out, PrintWriter err) {
        skipUnusedBuiltInConverters();
        CommandLine cli = new CommandLine(CommandModel.model(command));
        String name = cli.getCommandName();
        boolean verbose = isVerbose(args);
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

    /**
     * picocli registers converters for java.time and java.sql types by reflection, which loads about 90 classes (and
     * throws a ClassNotFoundException per java.sql type, a module the runtime does not have) on every start. No option
     * of ours takes those types (durations have their own converter), so they are skipped unless a user asked
     * otherwise.
     */
    private static void skipUnusedBuiltInConverters() {
        if (System.getProperty(CONVERTER_EXCLUDES) == null) {
            System.setProperty(CONVERTER_EXCLUDES, "java\\.time\\..*|java\\.sql\\..*");
        }
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
