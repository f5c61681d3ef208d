package io.mproxy.reverseproxy;

import io.mproxy.common.cli.BinaryMain;

/** Entry point of {@code mproxy-reverseproxy}. */
public final class ReverseProxyMain {
    private ReverseProxyMain() {
    }

    /** @param args the command line, see {@code mproxy-reverseproxy --help}. */
    public static void main(String[] args) {
        BinaryMain.run("mproxy-reverseproxy", ReverseProxyCommand.class, args);
    }
}
