package dev.palisade.broker;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * TLS toward the real server: connects to the address the proxy approved (no DNS here), sends the
 * tunnel's host as SNI and verifies the certificate chain and host name against the host trust
 * store (the JDK's), plus optional extra CAs for tests.
 */
final class UpstreamTls {
    static final int CONNECT_TIMEOUT_MS = 10_000;

    private final SSLContext context;

    private UpstreamTls(SSLContext context) {
        this.context = context;
    }

    /**
     * @param extraCa null, or a PEM file of CAs to trust besides the host trust store (tests)
     * @throws BrokerStartupException when the extra CA file is missing or holds no certificate
     */
    static UpstreamTls create(Path extraCa) throws BrokerStartupException {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init((KeyStore) null);
            if (extraCa != null) {
                List<X509Certificate> extra = readCertificates(extraCa);
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                int i = 0;
                for (TrustManager tm : tmf.getTrustManagers()) {
                    if (tm instanceof X509TrustManager x) {
                        for (X509Certificate c : x.getAcceptedIssuers()) {
                            ks.setCertificateEntry("system-" + i++, c);
                        }
                    }
                }
                for (X509Certificate c : extra) {
                    ks.setCertificateEntry("extra-" + i++, c);
                }
                tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(ks);
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return new UpstreamTls(ctx);
        } catch (GeneralSecurityException | IOException e) {
            throw new BrokerStartupException("cannot set up upstream TLS trust: " + e.getMessage(), e);
        }
    }

    /**
     * Reads every certificate of a PEM (or DER) file.
     *
     * @throws BrokerStartupException naming the file when it is missing, unreadable or has none
     */
    static List<X509Certificate> readCertificates(Path file) throws BrokerStartupException {
        if (!Files.isRegularFile(file)) {
            throw new BrokerStartupException("CA file " + file + " does not exist or is not a regular file");
        }
        // Parsed from memory: the JDK's PEM reader reads its stream one byte at a time.
        try (InputStream in = new java.io.ByteArrayInputStream(Files.readAllBytes(file))) {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
            List<X509Certificate> out = certs.stream().map(X509Certificate.class::cast).toList();
            if (out.isEmpty()) {
                throw new BrokerStartupException("CA file " + file + " contains no certificate");
            }
            return out;
        } catch (GeneralSecurityException | IOException e) {
            throw new BrokerStartupException("CA file " + file + " is not a valid PEM certificate file: "
                    + e.getMessage(), e);
        }
    }

    /**
     * Opens a verified TLS connection.
     *
     * @param host the canonical host (SNI and the name the certificate must carry)
     * @param port the port
     * @param address the approved address
     */
    SSLSocket connect(String host, int port, InetAddress address) throws IOException {
        Socket raw = new Socket();
        try {
            raw.setTcpNoDelay(true);
            raw.connect(new InetSocketAddress(address, port), CONNECT_TIMEOUT_MS);
            SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(raw, host, port, true);
            SSLParameters p = s.getSSLParameters();
            // RFC 6125 / RFC 2818 §3.1 host name check, done by the JDK's trust manager.
            p.setEndpointIdentificationAlgorithm("HTTPS");
            p.setServerNames(List.of(new SNIHostName(host)));
            p.setApplicationProtocols(new String[] {"http/1.1"});
            s.setSSLParameters(p);
            s.startHandshake();
            return s;
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }
}
