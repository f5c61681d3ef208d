package io.mproxy.client;

import io.mproxy.common.cli.BinaryMain;

/** Entry point of {@code mproxy-client}. */
public final class ClientMain {
    private ClientMain() {
    }

    /** @param args the command line, see {@code mproxy-client --help}. */
    public static void main(String[] args) {
        BinaryMain.run("mproxy-client", ClientCommand.class, args);
    }
}
