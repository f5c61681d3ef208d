package io.mproxy.relay;

import io.mproxy.common.framing.Framing;
import io.mproxy.common.net.MulticastSettings;
import io.mproxy.common.net.SocketSpec;
import io.mproxy.relay.link.Link;
import io.mproxy.relay.link.TcpLink;
import io.mproxy.relay.link.UdpLink;
import io.mproxy.relay.link.UnixLink;

/** Makes the link for a destination spec. */
final class Links {
    private Links() {
    }

    /** @param spec the destination. @param multicast for UDP groups. @return its link (not connected). */
    static Link open(SocketSpec spec, MulticastSettings multicast) {
        return switch (spec.kind()) {
            case TCP -> new TcpLink(spec.endpoint());
            case UDP -> new UdpLink(spec.endpoint(), multicast);
            case UNIX -> new UnixLink(spec.path());
        };
    }

    /** @param link a link. @param framing the TCP framing. @return true when frames carry the 4-byte length. */
    static boolean withLength(Link link, Framing framing) {
        return link.isStream() && framing == Framing.LENGTH;
    }
}
