package io.mproxy.common.test;

/**
 * A binary of the toolkit, run by tests as a process from the test class path.
 *
 * @param name      the command name.
 * @param mainClass its main class.
 */
public record Binary(String name, String mainClass) {
    /** mproxy-client. */
    public static final Binary CLIENT = new Binary("mproxy-client", "io.mproxy.client.ClientMain");
    /** mproxy-server. */
    public static final Binary SERVER = new Binary("mproxy-server", "io.mproxy.server.ServerMain");
    /** mproxy-proxy. */
    public static final Binary PROXY = new Binary("mproxy-proxy", "io.mproxy.proxy.ProxyMain");
    /** mproxy-reverseproxy. */
    public static final Binary REVERSE_PROXY =
        new Binary("mproxy-reverseproxy", "io.mproxy.reverseproxy.ReverseProxyMain");
    /** relay. */
    public static final Binary RELAY = new Binary("relay", "io.mproxy.relay.RelayMain");
}
