package io.mproxy.common.cli;

/**
 * The {@code main} of every binary. {@code --version} alone is answered before picocli loads, so the call scripts
 * make most to probe a tool loads nothing but this class and {@link VersionText}. Everything else goes to
 * {@link Cli#main}.
 */
public final class BinaryMain {
    private BinaryMain() {
    }

    /**
     * @param name    the binary's name, as in its model.
     * @param command the command class, with a no-argument constructor (a class, not a lambda: a lambda's
     *                bootstrap alone would cost the fast path more than it saves).
     * @param args    the command line.
     */
    public static void run(String name, Class<? extends BinaryCommand> command, String[] args) {
        if (args.length == 1 && ("--version".equals(args[0]) || "-V".equals(args[0]))) {
            // main returns instead of calling System.exit: exit looks up a System.Logger to log itself, which
            // loads 400 classes and spins method handles (10 ms). Nothing else runs yet, so the JVM ends with 0.
            System.out.println(VersionText.line(name));
            return;
        }
        BinaryCommand instance;
        try {
            instance = command.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot make " + command.getName(), e);
        }
        Cli.main(instance, args);
    }
}
