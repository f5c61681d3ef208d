package io.mproxy.proxy;

import io.mproxy.common.cli.BinaryMain;

/** Entry point of {@code mproxy-proxy}. */
public final class ProxyMain {
    private ProxyMain() {
    }

    /** @param args the command line, see {@code mproxy-proxy --help}. */
    public static void main(String[] args) {
        BinaryMain.run("mproxy-proxy", ProxyCommand.class, args);
    }
}
