package io.mproxy.server;

import io.mproxy.common.cli.BinaryMain;

/** Entry point of {@code mproxy-server}. */
public final class ServerMain {
    private ServerMain() {
    }

    /** @param args the command line, see {@code mproxy-server --help}. */
    public static void main(String[] args) {
        BinaryMain.run("mproxy-server", ServerCommand.class, args);
    }
}
