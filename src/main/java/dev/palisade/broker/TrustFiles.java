package dev.palisade.broker;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The files that make sandboxed programs trust the session CA: the CA certificate alone (for
 * NODE_EXTRA_CA_CERTS), the system bundle plus the CA (for OpenSSL, curl, Python, git), and a
 * PKCS12 trust store with the same certificates (for Java). Certificates only — the CA's private
 * key is never written anywhere.
 *
 * @param dir the host directory holding them (bind-mounted read-only into the sandbox)
 */
record TrustFiles(Path dir) {
    static final String CA_PEM = "session-ca.pem";
    static final String BUNDLE = "ca-bundle.pem";
    static final String TRUSTSTORE = "truststore.p12";
    /** Not a secret: the store holds public certificates; Java merely insists on a password. */
    static final String TRUSTSTORE_PASSWORD = "palisade";

    static TrustFiles write(X509Certificate ca, List<X509Certificate> system) throws IOException {
        Path dir = Files.createTempDirectory("palisade-broker-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        try {
            String caPem = pem(ca);
            Files.writeString(dir.resolve(CA_PEM), caPem, StandardCharsets.US_ASCII);
            StringBuilder bundle = new StringBuilder();
            for (X509Certificate c : system) {
                bundle.append(pem(c));
            }
            bundle.append(caPem);
            Files.writeString(dir.resolve(BUNDLE), bundle, StandardCharsets.US_ASCII);
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setCertificateEntry("palisade-session-ca", ca);
            int i = 0;
            for (X509Certificate c : system) {
                ks.setCertificateEntry("system-" + i++, c);
            }
            try (OutputStream out = Files.newOutputStream(dir.resolve(TRUSTSTORE))) {
                ks.store(out, TRUSTSTORE_PASSWORD.toCharArray());
            }
            for (String f : List.of(CA_PEM, BUNDLE, TRUSTSTORE)) {
                Files.setPosixFilePermissions(dir.resolve(f), PosixFilePermissions.fromString("rw-r--r--"));
            }
            return new TrustFiles(dir);
        } catch (GeneralSecurityException | IOException e) {
            new TrustFiles(dir).delete();
            throw new IOException("cannot write the session CA trust files: " + e.getMessage(), e);
        }
    }

    Path caPem() {
        return dir.resolve(CA_PEM);
    }

    Path bundle() {
        return dir.resolve(BUNDLE);
    }

    Path truststore() {
        return dir.resolve(TRUSTSTORE);
    }

    void delete() {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // a temp directory left behind holds only public certificates
        }
    }

    /** RFC 7468 textual encoding. */
    static String pem(X509Certificate c) throws IOException {
        try {
            String b64 = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(c.getEncoded());
            return "-----BEGIN CERTIFICATE-----\n" + b64 + "\n-----END CERTIFICATE-----\n";
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot encode certificate", e);
        }
    }
}
