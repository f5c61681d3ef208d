package io.mproxy.common.cli;

/**
 * The {@code main} of every binary. {@code --version} alone is answered before picocli builds its command model:
 * that model is built by reflection and annotation proxies the JVM cannot archive, and would triple the start-up
 * time of the one call scripts make most to probe a tool. Everything else goes to {@link Cli#main}.
 */
public final class BinaryMain {
    private BinaryMain() {
    }

    /**
     * @param name    the binary's name, as in its {@code @Command(name = ...)}.
     * @param command the picocli command class, with a no-argument constructor (a class, not a lambda: a lambda's
     *                bootstrap alone would cost the fast path more than it saves).
     * @param args    the command line.
     */
    public static void run(String name, Class<?> command, String[] args) {
        if (args.length == 1 && ("--version".equals(args[0]) || "-V".equals(args[0]))) {
            // main returns instead of calling System.exit: exit looks up a System.Logger to log itself, which
            // loads 400 classes and spins method handles (10 ms). Nothing else runs yet, so the JVM ends with 0.
            System.out.println(VersionText.line(name));
            return;
        }
        Object instance;
        try {
            instance = command.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot make " + command.getName(), e);
        }
        Cli.main(instance, args);
    }
}
