package io.mproxy.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A throw-away CA and server certificates signed by it, made with the JDK's {@code keytool} (no extra dependency):
 * {@code trust.p12} holds the CA; {@code NAME.p12} holds a server key and its chain.
 */
final class TestCertificates {
    static final String TRUST_PASSWORD = "trust-secret";
    private static final String PASSWORD = "changeit";

    private final Path dir;

    private TestCertificates(Path dir) {
        this.dir = dir;
    }

    /** Makes the CA and its trust store in {@code dir}. */
    static TestCertificates create(Path dir) throws IOException {
        TestCertificates certificates = new TestCertificates(dir);
        certificates.keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1",
            "-dname", "CN=mproxy test CA", "-ext", "bc:c", "-validity", "2", "-keystore", "ca.p12",
            "-storetype", "PKCS12", "-storepass", PASSWORD);
        certificates.keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", "ca.p12", "-storepass", PASSWORD,
            "-file", "ca.pem");
        certificates.keytool("-importcert", "-noprompt", "-alias", "ca", "-file", "ca.pem", "-keystore", "trust.p12",
            "-storetype", "PKCS12", "-storepass", TRUST_PASSWORD);
        return certificates;
    }

    /** @return the CA's certificate as a PEM file. */
    Path caPem() {
        return dir.resolve("ca.pem");
    }

    /** @return the PKCS12 trust store holding the CA. */
    Path trustStore() {
        return dir.resolve("trust.p12");
    }

    /**
     * Makes a server key and a certificate signed by the CA.
     *
     * @param name the file name and CN.
     * @param san  the subject alternative names, e.g. {@code dns:localhost,ip:127.0.0.1}.
     * @return an SSL context serving that certificate.
     */
    SSLContext server(String name, String san) throws IOException, GeneralSecurityException {
        String store = name + ".p12";
        keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
            "-validity", "2", "-keystore", store, "-storetype", "PKCS12", "-storepass", PASSWORD);
        keytool("-certreq", "-alias", "server", "-keystore", store, "-storepass", PASSWORD, "-file", name + ".csr");
        keytool("-gencert", "-rfc", "-alias", "ca", "-keystore", "ca.p12", "-storepass", PASSWORD, "-infile",
            name + ".csr", "-outfile", name + ".pem", "-ext", "san=" + san, "-ext", "eku=serverAuth", "-validity", "2");
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", "ca.pem", "-keystore", store, "-storepass",
            PASSWORD);
        keytool("-importcert", "-alias", "server", "-file", name + ".pem", "-keystore", store, "-storepass",
            PASSWORD);
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = java.nio.file.Files.newInputStream(dir.resolve(store))) {
            keys.load(in, PASSWORD.toCharArray());
        }
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(keys, PASSWORD.toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(factory.getKeyManagers(), null, null);
        return context;
    }

    private void keytool(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IOException("keytool " + String.join(" ", args) + " failed: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        } finally {
            process.destroyForcibly();
        }
    }
}
