package io.mproxy.proxy;

import static io.mproxy.common.test.TestFiles.awaitSize;
import static io.mproxy.proxy.TestData.lines;
import static org.assertj.core.api.Assertions.assertThat;

import io.mproxy.common.test.Binary;
import io.mproxy.common.test.BinaryProcess;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS upstreams: a TLS server in the test JVM with a CA the test makes, mproxy-proxy as a process. */
class TlsUpstreamTest {
    @TempDir
    static Path certificatesDir;
    static TestCertificates certificates;
    static SSLContext localhost;
    static SSLContext otherName;

    @TempDir
    Path dir;

    @BeforeAll
    static void makeCertificates() throws IOException, GeneralSecurityException {
        certificates = TestCertificates.create(certificatesDir);
        localhost = certificates.server("localhost", "dns:localhost,ip:127.0.0.1");
        otherName = certificates.server("other", "dns:other.test");
    }

    @Test
    void shouldForwardByteExactWhenTheCertificateIsSignedByTheTrustedCa() throws Exception {
        forwardByteExactTrusting("--tls-trust-store", certificates.trustStore().toString(),
            "--tls_trust_store_password", TestCertificates.TRUST_PASSWORD);
    }

    @Test
    void shouldForwardByteExactWhenTheTrustStoreIsTheCasPemFile() throws Exception {
        forwardByteExactTrusting("--tls-trust-store", certificates.caPem().toString());
    }

    private void forwardByteExactTrusting(String... trustOptions) throws Exception {
        byte[] input = lines("tls", 5_000);
        Path out = dir.resolve("out.txt");
        List<String> serverNames = new CopyOnWriteArrayList<>();
        try (SSLServerSocket tls = listen(localhost);
             BinaryProcess server = BinaryProcess.start(Binary.SERVER, dir, "--listen-addr", "127.0.0.1:0",
                 "--path", out.toString())) {
            int udpPort = server.listeningPort();
            List<String> args = new ArrayList<>(List.of("--tcp-connect-addr", "tls://localhost:" + tls.getLocalPort(),
                "--udp-downstream-addr", "127.0.0.1:" + udpPort));
            args.addAll(List.of(trustOptions));
            try (BinaryProcess proxy = BinaryProcess.start(Binary.PROXY, dir, args.toArray(String[]::new))) {
                try (SSLSocket connection = (SSLSocket) tls.accept();
                     OutputStream stream = connection.getOutputStream()) {
                    connection.startHandshake();
                    ExtendedSSLSession session = (ExtendedSSLSession) connection.getSession();
                    for (SNIServerName name : session.getRequestedServerNames()) {
                        serverNames.add(((SNIHostName) name).getAsciiName());
                    }
                    stream.write(input);
                }
                awaitSize(out, input.length);
                proxy.awaitStderr("connected to tls://localhost:" + tls.getLocalPort() + " \\(127\\.0\\.0\\.1:"
                    + tls.getLocalPort() + "\\) with TLSv1\\.3 ");
                proxy.terminate();
                assertThat(proxy.awaitExit()).as(proxy.stderr()).isZero();
            }
            server.terminate();
            assertThat(server.awaitExit()).isZero();
        }
        assertThat(serverNames).as("SNI").containsExactly("localhost");
        assertThat(Files.readAllBytes(out)).isEqualTo(input);
    }

    @Test
    void shouldRefuseACertificateForAnotherHostNameAndKeepRetrying() throws Exception {
        try (SSLServerSocket tls = listen(otherName)) {
            Thread acceptor = acceptAndHandshakeForever(tls);
            try (BinaryProcess proxy = BinaryProcess.start(Binary.PROXY, dir, "--tls", "--tcp-connect-addr",
                "localhost:" + tls.getLocalPort(), "--tls-trust-store", certificates.trustStore().toString(),
                "--tls-trust-store-password", TestCertificates.TRUST_PASSWORD,
                "--udp-downstream-addr", "127.0.0.1:9")) {
                String expected = "cannot connect to localhost:" + tls.getLocalPort() + ": TLS handshake failed: "
                    + "the server's certificate is not valid for 'localhost' (No subject alternative DNS name "
                    + "matching localhost found); retrying in ";
                proxy.awaitStderr("\\(2 failed attempts in a row\\)");
                proxy.terminate();
                assertThat(proxy.awaitExit()).as(proxy.stderr()).isZero();
                assertThat(proxy.stderrLines()).filteredOn(l -> l.contains("cannot connect"))
                    .hasSizeGreaterThanOrEqualTo(2).allSatisfy(l -> assertThat(l).contains(expected));
                assertThat(proxy.stderr()).doesNotContain("connected to").doesNotContain("\tat ");
            } finally {
                acceptor.interrupt();
            }
        }
    }

    @Test
    void shouldRefuseAServerOfAnUntrustedCaWithTheDefaultTrustStore() throws Exception {
        try (SSLServerSocket tls = listen(localhost)) {
            Thread acceptor = acceptAndHandshakeForever(tls);
            try (BinaryProcess proxy = BinaryProcess.start(Binary.PROXY, dir, "--tcp-connect-addr",
                "tls://127.0.0.1:" + tls.getLocalPort(), "--udp-downstream-addr", "127.0.0.1:9")) {
                proxy.awaitStderr("cannot connect to tls://127\\.0\\.0\\.1:" + tls.getLocalPort() + ": TLS handshake "
                    + "failed: the server's certificate is not signed by a trusted CA \\(for a private CA give "
                    + "--tls-trust-store\\); retrying in \\d\\.\\d s");
                proxy.terminate();
                assertThat(proxy.awaitExit()).as(proxy.stderr()).isZero();
            } finally {
                acceptor.interrupt();
            }
        }
    }

    @Test
    void shouldExitOneNamingTheFileWhenTheTrustStoreDoesNotExist() {
        Path missing = dir.resolve("missing.p12");
        BinaryProcess proxy = BinaryProcess.run(Binary.PROXY, dir, "--tcp-connect-addr", "tls://localhost:4433",
            "--tls-trust-store", missing.toString(), "--udp-downstream-addr", "127.0.0.1:9");
        assertThat(proxy.awaitExit()).isEqualTo(1);
        assertThat(proxy.stderr()).isEqualTo("mproxy-proxy: cannot read --tls-trust-store " + missing
            + ": no such file or directory\n");
    }

    @Test
    void shouldExitOneWhenTheTrustStorePasswordIsWrong() {
        BinaryProcess proxy = BinaryProcess.run(Binary.PROXY, dir, "--tcp-connect-addr", "tls://localhost:4433",
            "--tls-trust-store", certificates.trustStore().toString(), "--tls-trust-store-password", "wrong",
            "--udp-downstream-addr", "127.0.0.1:9");
        assertThat(proxy.awaitExit()).isEqualTo(1);
        assertThat(proxy.stderr()).startsWith("mproxy-proxy: cannot read --tls-trust-store "
            + certificates.trustStore() + ": neither PEM nor PKCS12, or the wrong --tls-trust-store-password (");
    }

    @Test
    void shouldExitOneWhenAPemTrustStoreIsGivenAPassword() {
        BinaryProcess proxy = BinaryProcess.run(Binary.PROXY, dir, "--tcp-connect-addr", "tls://localhost:4433",
            "--tls-trust-store", certificates.caPem().toString(), "--tls-trust-store-password", "secret",
            "--udp-downstream-addr", "127.0.0.1:9");
        assertThat(proxy.awaitExit()).isEqualTo(1);
        assertThat(proxy.stderr()).isEqualTo("mproxy-proxy: cannot read --tls-trust-store " + certificates.caPem()
            + ": a PEM file takes no --tls-trust-store-password\n");
    }

    @Test
    void shouldWarnLoudlyWithTlsInsecureAndStillForward() throws Exception {
        byte[] input = lines("insecure", 100);
        Path out = dir.resolve("out.txt");
        try (SSLServerSocket tls = listen(otherName);
             BinaryProcess server = BinaryProcess.start(Binary.SERVER, dir, "--listen-addr", "127.0.0.1:0",
                 "--path", out.toString());
             BinaryProcess proxy = BinaryProcess.start(Binary.PROXY, dir, "--tcp-connect-addr",
                 "tls://localhost:" + tls.getLocalPort(), "--tls-insecure",
                 "--udp-downstream-addr", "127.0.0.1:" + server.listeningPort())) {
            try (Socket connection = tls.accept(); OutputStream stream = connection.getOutputStream()) {
                stream.write(input);
            }
            awaitSize(out, input.length);
            proxy.terminate();
            assertThat(proxy.awaitExit()).as(proxy.stderr()).isZero();
            assertThat(proxy.stderr()).contains("WARN *** --tls-insecure: server certificates and host names are NOT "
                + "checked");
            server.terminate();
            assertThat(server.awaitExit()).isZero();
        }
        assertThat(Files.readAllBytes(out)).isEqualTo(input);
    }

    private static SSLServerSocket listen(SSLContext context) throws IOException {
        ServerSocket socket = context.getServerSocketFactory().createServerSocket();
        socket.setSoTimeout(20_000);
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return (SSLServerSocket) socket;
    }

    /** Accepts connections and tries each handshake (which the proxy aborts), until the socket closes. */
    private static Thread acceptAndHandshakeForever(SSLServerSocket tls) {
        return Thread.ofPlatform().daemon().start(() -> {
            while (!tls.isClosed() && !Thread.currentThread().isInterrupted()) {
                try (SSLSocket connection = (SSLSocket) tls.accept()) {
                    connection.startHandshake();
                } catch (IOException e) {
                    // the proxy refuses the certificate: expected
                }
            }
        });
    }
}
