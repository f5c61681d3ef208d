package io.mproxy.reverseproxy.output;

import java.util.Locale;

/** What happens to an output that falls more than {@code --client-buffer} behind the group. */
public enum SlowClientPolicy {
    /** Skip to the newest data: whole datagrams are dropped (counted and logged), the connection stays. */
    DROP,
    /** Close the connection (counted and logged); a downstream reconnects. */
    DISCONNECT;

    /** @return the lower-case name used on the command line. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @param text {@code drop} or {@code disconnect}, in any case.
     * @return the policy.
     * @throws IllegalArgumentException naming the accepted values.
     */
    public static SlowClientPolicy parse(String text) {
        for (SlowClientPolicy policy : values()) {
            if (policy.name().equalsIgnoreCase(text)) {
                return policy;
            }
        }
        throw new IllegalArgumentException("unknown slow-client policy '" + text + "': expected drop or disconnect");
    }
}
