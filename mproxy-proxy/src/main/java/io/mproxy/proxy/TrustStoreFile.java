package io.mproxy.proxy;

import io.mproxy.common.Errors;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.Collections;
import java.util.Enumeration;

/**
 * Reads {@code --tls-trust-store}: a PEM file of CA certificates (what a CA hands out, usable as it is, without a
 * keytool step) or a PKCS12 trust store. Every failure is an IOException whose message names the file.
 */
final class TrustStoreFile {
    private static final String PEM_BEGIN = "-----BEGIN ";

    private TrustStoreFile() {
    }

    /**
     * @param file     the PEM or PKCS12 file.
     * @param password the PKCS12 password, or null (a PEM file takes none).
     * @return a key store holding at least one trusted certificate.
     * @throws IOException naming the file and what is wrong with it.
     */
    static KeyStore load(Path file, char[] password) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw failure(file, Errors.describe(e), e);
        }
        KeyStore store = isPem(bytes) ? fromPem(file, bytes, password) : fromPkcs12(file, bytes, password);
        boolean anyCertificate = Collections.list(aliases(store)).stream().anyMatch(a -> isCertificate(store, a));
        if (!anyCertificate) {
            throw new IOException("--tls-trust-store " + file + " holds no certificate: give the CA's certificate "
                + "as a PEM file, or import it into the PKCS12 file");
        }
        return store;
    }

    private static boolean isPem(byte[] bytes) {
        return new String(bytes, 0, Math.min(bytes.length, 4096), StandardCharsets.ISO_8859_1).strip()
            .startsWith(PEM_BEGIN);
    }

    private static KeyStore fromPem(Path file, byte[] bytes, char[] password) throws IOException {
        if (password != null) {
            throw failure(file, "a PEM file takes no --tls-trust-store-password", null);
        }
        try {
            Collection<? extends Certificate> certificates = CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(bytes));
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int n = 0;
            for (Certificate certificate : certificates) {
                store.setCertificateEntry("ca-" + n++, certificate);
            }
            return store;
        } catch (GeneralSecurityException e) {
            throw failure(file, "not a PEM file of certificates (" + Errors.describe(e) + ")", e);
        }
    }

    private static KeyStore fromPkcs12(Path file, byte[] bytes, char[] password) throws IOException {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(new ByteArrayInputStream(bytes), password);
            return store;
        } catch (IOException | GeneralSecurityException e) {
            throw failure(file, "neither PEM nor PKCS12, or the wrong --tls-trust-store-password ("
                + Errors.describe(e) + ")", e);
        }
    }

    private static Enumeration<String> aliases(KeyStore store) throws IOException {
        try {
            return store.aliases();
        } catch (GeneralSecurityException e) {
            throw new IOException(Errors.describe(e), e);
        }
    }

    private static boolean isCertificate(KeyStore store, String alias) {
        try {
            return store.getCertificate(alias) != null;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static IOException failure(Path file, String reason, Exception cause) {
        return new IOException("cannot read --tls-trust-store " + file + ": " + reason, cause);
    }
}
