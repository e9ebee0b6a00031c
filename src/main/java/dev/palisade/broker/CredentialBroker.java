package dev.palisade.broker;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import javax.net.ssl.SSLSocket;

import dev.palisade.api.EventSink;
import dev.palisade.net.TunnelInterceptor;
import dev.palisade.sandbox.LaunchPlan;
import dev.palisade.sandbox.SandboxExtension;
import dev.palisade.sandbox.Tier;

/**
 * The credential broker of one session. The sandbox sees a random placeholder in each
 * credential's environment variable; tunnels to the hosts a credential is bound to are handed to
 * {@link #serve}, which terminates TLS with a per-session CA, swaps the placeholder for the real
 * secret in the configured header or query parameter, and masks echoes of the secret in
 * responses. The real secret exists only in this process.
 *
 * <p>Start it with {@link #start} before the sandbox launches (every configuration error is
 * reported there), register it as the proxies' {@link TunnelInterceptor} and as a
 * {@link SandboxExtension} of the launch, and close it when the session ends.
 */
public final class CredentialBroker implements TunnelInterceptor, SandboxExtension {
    /** Every placeholder starts with this, so that it is recognisable in logs and violations. */
    public static final String PLACEHOLDER_PREFIX = "palisade-placeholder-";

    private static final System.Logger LOG = System.getLogger(CredentialBroker.class.getName());

    private final BrokerConfig config;
    private final BrokerCore core;
    private final SessionCa ca;
    private final ClientTls clientTls;
    private final TrustFiles trust;

    private CredentialBroker(BrokerConfig config, BrokerCore core, SessionCa ca, TrustFiles trust)
            throws GeneralSecurityException {
        this.config = config;
        this.core = core;
        this.ca = ca;
        this.clientTls = new ClientTls(ca);
        this.trust = trust;
    }

    /**
     * Validates the configuration, reads every secret, creates the session CA and writes the trust
     * files.
     *
     * @param config the session's credentials and trust settings
     * @param allowlist the network allowlist's decision for a canonical host name; every host a
     *     credential is bound to must pass it (for {@code *.domain} a probe subdomain is asked)
     * @param sink where violations go
     * @return the running broker
     * @throws BrokerStartupException with a message for the user: a host not in the allowlist, a
     *     missing or empty secret source, a bad CA file
     */
    public static CredentialBroker start(BrokerConfig config, Predicate<String> allowlist, EventSink sink)
            throws BrokerStartupException {
        return start(config, allowlist, sink, System.getenv());
    }

    static CredentialBroker start(BrokerConfig config, Predicate<String> allowlist, EventSink sink,
            Map<String, String> env) throws BrokerStartupException {
        checkAllowlist(config, allowlist);
        UpstreamTls upstream = UpstreamTls.create(config.upstreamExtraCa());
        List<X509Certificate> system = List.of();
        if (Files.exists(config.systemBundle())) {
            system = UpstreamTls.readCertificates(config.systemBundle());
        } else {
            LOG.log(System.Logger.Level.WARNING, "no system CA bundle at {0}: the sandbox will trust only the "
                    + "session CA", config.systemBundle());
        }
        SecretReader reader = new SecretReader(env);
        SecureRandom random = new SecureRandom();
        List<Binding> bindings = new ArrayList<>();
        for (CredentialSpec spec : config.credentials()) {
            LiveSecret secret;
            try {
                secret = new LiveSecret(spec, reader);
            } catch (IOException e) {
                throw new BrokerStartupException("credential " + spec.name() + ": " + e.getMessage());
            }
            byte[] r = new byte[16];
            random.nextBytes(r);
            String placeholder = PLACEHOLDER_PREFIX + HexFormat.of().formatHex(r);
            if (secret.peek().contains(PLACEHOLDER_PREFIX)) {
                throw new BrokerStartupException("credential " + spec.name() + ": " + spec.source().describe()
                        + " holds a Palisade placeholder, not a real secret (is it set from inside a sandbox?)");
            }
            bindings.add(new Binding(spec, placeholder, secret));
        }
        SessionCa ca;
        TrustFiles trust;
        try {
            ca = new SessionCa(config.sessionId(), config.caLifetime());
            trust = TrustFiles.write(ca.certificate(), system);
        } catch (GeneralSecurityException | IOException e) {
            throw new BrokerStartupException("cannot create the session CA: " + e.getMessage(), e);
        }
        try {
            return new CredentialBroker(config,
                    new BrokerCore(bindings, new ViolationReporter(config.sessionId(), sink), upstream), ca, trust);
        } catch (GeneralSecurityException e) {
            trust.delete();
            throw new BrokerStartupException("cannot set up TLS termination: " + e.getMessage(), e);
        }
    }

    private static void checkAllowlist(BrokerConfig config, Predicate<String> allowlist) throws BrokerStartupException {
        for (CredentialSpec spec : config.credentials()) {
            for (HostPattern h : spec.hosts()) {
                if (!allowlist.test(h.allowlistProbe())) {
                    throw new BrokerStartupException("credential " + spec.name() + " is bound to " + h.pattern()
                            + (h.wildcard() ? " (every subdomain)" : "")
                            + ", which network.allowedDomains does not allow: add it there or remove it from"
                            + " the credential");
                }
            }
        }
    }

    /**
     * The placeholder of a credential, as exported into the sandbox.
     *
     * @param credentialName the credential's name (its environment variable)
     * @return the placeholder
     * @throws IllegalArgumentException if there is no such credential
     */
    public String placeholder(String credentialName) {
        for (Binding b : core.bindings()) {
            if (b.spec().name().equals(credentialName)) {
                return b.placeholder();
            }
        }
        throw new IllegalArgumentException("no credential named " + credentialName);
    }

    /**
     * What output shown on the host must not contain, per credential name: its current real
     * secret and its placeholder. For output filters (the daemon redacts these); never log it.
     *
     * @return name to the secret and the placeholder, in credential order
     */
    public Map<String, List<String>> redactions() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Binding b : core.bindings()) {
            out.put(b.spec().name(), List.of(b.secret().peek(), b.placeholder()));
        }
        return out;
    }

    /** The session CA certificate in PEM form. */
    public String caCertificatePem() throws IOException {
        return TrustFiles.pem(ca.certificate());
    }

    /** The host directory with the trust files (session-ca.pem, ca-bundle.pem, truststore.p12). */
    public Path trustDirectory() {
        return trust.dir();
    }

    /**
     * The environment for the sandboxed command: each credential's placeholder and the variables
     * that make common tools trust the session CA.
     *
     * @param filesDir where the trust files are visible to the command (the sandbox path, or
     *     {@link #trustDirectory()} for the direct tier)
     */
    public Map<String, String> environment(String filesDir) {
        Map<String, String> env = new LinkedHashMap<>();
        for (Binding b : core.bindings()) {
            env.put(b.spec().name(), b.placeholder());
        }
        String bundle = filesDir + "/" + TrustFiles.BUNDLE;
        env.put("SSL_CERT_FILE", bundle);
        env.put("REQUESTS_CA_BUNDLE", bundle);
        env.put("CURL_CA_BUNDLE", bundle);
        env.put("GIT_SSL_CAINFO", bundle);
        env.put("NODE_EXTRA_CA_CERTS", filesDir + "/" + TrustFiles.CA_PEM);
        env.put("JAVA_TOOL_OPTIONS", "-Djavax.net.ssl.trustStore=" + filesDir + "/" + TrustFiles.TRUSTSTORE
                + " -Djavax.net.ssl.trustStoreType=PKCS12 -Djavax.net.ssl.trustStorePassword="
                + TrustFiles.TRUSTSTORE_PASSWORD);
        return env;
    }

    /**
     * Exports the placeholders and CA variables, and (except in the direct tier) mounts the trust
     * files read-only at {@link BrokerConfig#sandboxDir()} and the bundle over the system bundle.
     */
    @Override
    public void prepare(LaunchPlan plan) {
        boolean direct = plan.tier() == Tier.DIRECT;
        String dir = direct ? trust.dir().toString() : config.sandboxDir();
        environment(dir).forEach(plan::setEnv);
        if (!direct) {
            plan.addBwrapArgs("--ro-bind", trust.dir().toString(), config.sandboxDir());
            if (Files.isRegularFile(BrokerConfig.SYSTEM_BUNDLE)) {
                // Programs that ignore the variables read the system bundle: show them ours there.
                plan.addBwrapArgs("--ro-bind", trust.bundle().toString(), BrokerConfig.SYSTEM_BUNDLE.toString());
            }
        }
    }

    @Override
    public boolean intercepts(String canonicalHost, int port) {
        return core.bindings().stream().anyMatch(b -> b.spec().boundTo(canonicalHost, port));
    }

    @Override
    public void serve(Socket client, String canonicalHost, int port, InetAddress approvedAddress) throws IOException {
        SSLSocket tls;
        try {
            // Responses go out as they arrive (one flush per event of a stream): no Nagle delay.
            client.setTcpNoDelay(true);
            tls = clientTls.accept(client, canonicalHost);
        } catch (IOException e) {
            // A client that pins certificates or does not trust the session CA ends up here, as
            // does one whose SNI differs from the CONNECT host.
            LOG.log(System.Logger.Level.INFO, "TLS handshake with the sandbox client for {0} failed: {1}",
                    canonicalHost, e.getMessage());
            client.close();
            throw e;
        }
        new Exchange(core, tls, canonicalHost, port, approvedAddress).run();
    }

    /** Time to mint one leaf certificate (benchmark hook; not cached). */
    long mintLeafNanos(String host) throws GeneralSecurityException {
        long t0 = System.nanoTime();
        ca.mint(host);
        return System.nanoTime() - t0;
    }

    /** Deletes the trust files. The CA key disappears with this object. */
    @Override
    public void close() {
        trust.delete();
    }
}
