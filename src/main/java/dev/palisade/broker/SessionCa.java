package dev.palisade.broker;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import javax.security.auth.x500.X500Principal;

import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The per-session certificate authority: an EC P-256 key that lives only in this process's
 * memory, a short-lived self-signed CA certificate, and leaf certificates minted per host name on
 * first use and cached. Signing uses the JDK's SunEC provider; BouncyCastle only builds the
 * certificate structures, so no provider is registered.
 */
final class SessionCa {
    private static final String SIG_ALG = "SHA256withECDSA";

    private final KeyPair caKeys;
    private final X509Certificate caCert;
    // One key pair for every leaf of the session: minting a leaf is then one signature, and the
    // key never leaves memory any more than the CA key does.
    private final KeyPair leafKeys;
    private final Instant notBefore;
    private final Instant notAfter;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, X509Certificate> leaves = new ConcurrentHashMap<>();

    SessionCa(String sessionId, Duration lifetime) throws GeneralSecurityException {
        caKeys = newKeyPair();
        leafKeys = newKeyPair();
        Instant now = Instant.now();
        // Back-date a little for clock skew between host and VM guest.
        notBefore = now.minus(Duration.ofMinutes(5));
        notAfter = now.plus(lifetime);
        X500Principal subject = new X500Principal("CN=Palisade session CA " + sanitize(sessionId) + ", O=Palisade");
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(), Date.from(notBefore),
                Date.from(notAfter), subject, caKeys.getPublic());
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            // RFC 5280 §4.2.1.9: a CA that may only sign end-entity certificates.
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(caKeys.getPublic()));
            caCert = sign(b);
        } catch (CertIOException e) {
            throw new GeneralSecurityException("cannot build session CA", e);
        }
    }

    X509Certificate certificate() {
        return caCert;
    }

    PrivateKey leafKey() {
        return leafKeys.getPrivate();
    }

    /**
     * The leaf certificate for a host, minted on first use.
     *
     * @param host a canonical host name
     */
    X509Certificate leafFor(String host) throws GeneralSecurityException {
        X509Certificate cached = leaves.get(host);
        if (cached != null) {
            return cached;
        }
        X509Certificate minted = mint(host);
        X509Certificate prev = leaves.putIfAbsent(host, minted);
        return prev != null ? prev : minted;
    }

    /** Mints a leaf without caching (also used by the benchmark). */
    X509Certificate mint(String host) throws GeneralSecurityException {
        X500Principal subject = new X500Principal("CN=" + sanitize(host));
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caCert, serial(), Date.from(notBefore),
                Date.from(notAfter), subject, leafKeys.getPublic());
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            // RFC 6125: clients match the subjectAltName, never the CN.
            b.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(new GeneralName(GeneralName.dNSName, host)));
            b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(caCert));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(leafKeys.getPublic()));
            return sign(b);
        } catch (CertIOException e) {
            throw new GeneralSecurityException("cannot build leaf certificate for " + host, e);
        }
    }

    private X509Certificate sign(X509v3CertificateBuilder b) throws GeneralSecurityException {
        try {
            ContentSigner signer = new JcaContentSignerBuilder(SIG_ALG).build(caKeys.getPrivate());
            return new JcaX509CertificateConverter().getCertificate(b.build(signer));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException("cannot sign with " + SIG_ALG, e);
        }
    }

    private BigInteger serial() {
        // RFC 5280 §4.1.2.2: positive, at most 20 octets; 128 random bits.
        return new BigInteger(128, random).setBit(127);
    }

    private static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static String sanitize(String s) {
        return s.replaceAll("[^A-Za-z0-9.*-]", "_");
    }
}
