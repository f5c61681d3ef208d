package io.mproxy.proxy;

import io.mproxy.common.cli.Cli;

/** Entry point of {@code mproxy-proxy}. */
public final class ProxyMain {
    private ProxyMain() {
    }

    /** @param args the command line, see {@code mproxy-proxy --help}. */
    public static void main(String[] args) {
        Cli.main(new ProxyCommand(), args);
    }
}
