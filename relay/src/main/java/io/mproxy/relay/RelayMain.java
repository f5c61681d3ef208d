package io.mproxy.relay;

import io.mproxy.common.cli.BinaryMain;

/** Entry point of {@code relay}. */
public final class RelayMain {
    private RelayMain() {
    }

    /** @param args the command line, see {@code relay --help}. */
    public static void main(String[] args) {
        BinaryMain.run("relay", RelayCommand.class, args);
    }
}
