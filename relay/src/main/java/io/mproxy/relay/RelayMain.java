package io.mproxy.relay;

import io.mproxy.common.cli.Cli;

/** Entry point of {@code relay}. */
public final class RelayMain {
    private RelayMain() {
    }

    /** @param args the command line, see {@code relay --help}. */
    public static void main(String[] args) {
        Cli.main(new RelayCommand(), args);
    }
}
