package io.mproxy.common.test;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import org.junit.jupiter.api.Assumptions;

/**
 * The private network namespace the test command makes (scripts/test): loopback with multicast on, and a veth
 * pair mp0/mp1 with fd11::1/64 and fd11::2/64 for IPv6 multicast. Multicast tests run only there, so no test
 * multicast can ever leave through the machine's real interfaces.
 */
public final class TestNetwork {
    /** The veth end that carries IPv6 multicast in the namespace. */
    public static final String V6_INTERFACE = "mp0";
    /** Its address. */
    public static final String V6_ADDRESS = "fd11::1";

    private TestNetwork() {
    }

    /** @return true inside the namespace made by scripts/test. */
    public static boolean inTestNamespace() {
        return "1".equals(System.getenv("MPROXY_TEST_NETNS"));
    }

    /** Skips the test outside the test namespace (multicast must not reach real interfaces). */
    public static void assumeTestNamespace() {
        Assumptions.assumeTrue(inTestNamespace(), "multicast tests run only in the namespace made by scripts/test");
    }

    /** @return the loopback interface. */
    public static NetworkInterface loopback() {
        try {
            return NetworkInterface.getByInetAddress(InetAddress.getLoopbackAddress());
        } catch (SocketException e) {
            throw new IllegalStateException(e);
        }
    }
}
