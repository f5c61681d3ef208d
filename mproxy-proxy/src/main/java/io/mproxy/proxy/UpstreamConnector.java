package io.mproxy.proxy;

import io.mproxy.common.Errors;
import io.mproxy.common.net.NetFormat;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Opens the connection to an upstream: a blocking {@link SocketChannel} for plain TCP (read straight into the
 * pump's direct buffer), or an {@link SSLSocket} for TLS with host name verification ("HTTPS" endpoint
 * identification) and SNI from the host as written. Each upstream has a thread of its own, so the blocking
 * SSLSocket fits; the JDK then handles the handshake, key updates and close_notify, at the cost of one heap copy
 * of the decrypted bytes, small next to the decryption itself.
 */
final class UpstreamConnector {
    /** How long a TCP connect or a TLS handshake may take before the attempt counts as failed. */
    static final int CONNECT_TIMEOUT_MILLIS = 10_000;

    private final SSLSocketFactory tls;
    private final boolean insecure;

    private UpstreamConnector(SSLSocketFactory tls, boolean insecure) {
        this.tls = tls;
        this.insecure = insecure;
    }

    /**
     * @param context validated settings; the trust store is read now, so a bad one fails at start.
     * @return the connector.
     * @throws IOException naming the trust store when it cannot be read.
     */
    static UpstreamConnector create(ProxyContext context) throws IOException {
        if (context.upstreams().stream().noneMatch(Upstream::tls)) {
            return new UpstreamConnector(null, false);
        }
        try {
            TrustManager[] trust = context.tlsInsecure() ? new TrustManager[] {new TrustEverything()}
                : trustManagers(context.trustStore(), context.trustStorePassword());
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, trust, null);
            return new UpstreamConnector(ssl.getSocketFactory(), context.tlsInsecure());
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up TLS: " + Errors.describe(e), e);
        }
    }

    private static TrustManager[] trustManagers(Path file, char[] password)
        throws IOException, GeneralSecurityException {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        if (file == null) {
            factory.init((KeyStore) null);
            return factory.getTrustManagers();
        }
        factory.init(TrustStoreFile.load(file, password));
        return factory.getTrustManagers();
    }

    /** @return true when every TLS connection skips certificate and host name checks. */
    boolean insecure() {
        return insecure;
    }

    /**
     * Connects (and for TLS completes the handshake) within {@link #CONNECT_TIMEOUT_MILLIS}.
     *
     * @param upstream where to connect.
     * @return the open connection.
     * @throws IOException with a short reason (TLS failures in plain words).
     */
    Connection connect(Upstream upstream) throws IOException {
        InetSocketAddress address = upstream.resolve();
        if (address.isUnresolved()) {
            throw new IOException("unknown host '" + upstream.host() + "'");
        }
        if (!upstream.tls()) {
            SocketChannel channel = SocketChannel.open();
            try {
                channel.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
                channel.socket().connect(address, CONNECT_TIMEOUT_MILLIS);
                return new Connection(channel, channel, NetFormat.format(address), "");
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        }
        Socket socket = new Socket();
        try {
            socket.setKeepAlive(true);
            socket.connect(address, CONNECT_TIMEOUT_MILLIS);
            SSLSocket ssl = (SSLSocket) tls.createSocket(socket, upstream.host(), upstream.port(), true);
            SSLParameters parameters = ssl.getSSLParameters();
            if (!insecure) {
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
            }
            if (!upstream.isIpLiteral()) {
                parameters.setServerNames(List.of(new SNIHostName(upstream.host())));
            }
            ssl.setSSLParameters(parameters);
            ssl.setSoTimeout(CONNECT_TIMEOUT_MILLIS);
            try {
                ssl.startHandshake();
            } catch (SSLException e) {
                throw new IOException("TLS handshake failed: " + describeTls(e, upstream), e);
            }
            ssl.setSoTimeout(0);
            String with = " with " + ssl.getSession().getProtocol() + " " + ssl.getSession().getCipherSuite();
            return new Connection(Channels.newChannel(ssl.getInputStream()), ssl, NetFormat.format(address), with);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** Says in plain words why a handshake failed, without the JDK's class names. */
    static String describeTls(Throwable e, Upstream upstream) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof CertPathBuilderException || cause instanceof CertPathValidatorException) {
                return "the server's certificate is not signed by a trusted CA (for a private CA give "
                    + "--tls-trust-store)";
            }
            if (cause instanceof CertificateException && String.valueOf(cause.getMessage()).startsWith("No ")) {
                return "the server's certificate is not valid for '" + upstream.host() + "' ("
                    + cause.getMessage().replaceAll("\\.$", "") + ")";
            }
        }
        return Errors.describe(e);
    }

    /**
     * An open upstream connection.
     *
     * @param channel     what to read.
     * @param closer      closes the connection (from any thread, which ends a blocked read).
     * @param address     the numeric address connected to.
     * @param description {@code " with TLSv1.3 ..."} for TLS, else empty.
     */
    record Connection(ReadableByteChannel channel, Closeable closer, String address, String description)
        implements Closeable {
        @Override
        public void close() throws IOException {
            closer.close();
        }
    }

    /** For {@code --tls-insecure}: accepts any certificate for any name. */
    private static final class TrustEverything extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
            // trusts everything, by request
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
            // trusts everything, by request
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
            // trusts everything, by request
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
            // trusts everything, by request
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
            // trusts everything, by request
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
            // trusts everything, by request
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
