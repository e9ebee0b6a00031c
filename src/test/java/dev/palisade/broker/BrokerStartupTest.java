package dev.palisade.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.palisade.api.EventSink;

/** Every configuration error is reported when the session starts, with a message naming the fix. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BrokerStartupTest {
    @TempDir
    Path tmp;

    static CredentialSpec spec(String host, SecretSource source) {
        return new CredentialSpec("GH_TOKEN", List.of(new HostPattern(host)), Set.of(443), source,
                HeaderInjection.parse("Authorization: Bearer {}"), MissingPlaceholder.PASS);
    }

    static CredentialBroker start(BrokerConfig c, Map<String, String> env) throws BrokerStartupException {
        return CredentialBroker.start(c, h -> h.equals("api.github.com") || h.endsWith(".githubusercontent.com"),
                EventSink.NONE, env);
    }

    @Test
    void missingEnvironmentVariableIsAStartupError() {
        BrokerConfig c = new BrokerConfig("s", List.of(spec("api.github.com", new EnvSecret("NOPE_TOKEN"))));
        assertThatThrownBy(() -> start(c, Map.of()))
                .isInstanceOf(BrokerStartupException.class)
                .hasMessage("credential GH_TOKEN: environment variable NOPE_TOKEN is not set");
    }

    @Test
    void emptySecretIsAStartupError() {
        BrokerConfig c = new BrokerConfig("s", List.of(spec("api.github.com", new EnvSecret("T"))));
        assertThatThrownBy(() -> start(c, Map.of("T", "  \n")))
                .isInstanceOf(BrokerStartupException.class).hasMessageContaining("empty secret");
    }

    @Test
    void missingSecretFileIsAStartupError() {
        Path f = tmp.resolve("absent");
        BrokerConfig c = new BrokerConfig("s", List.of(spec("api.github.com", new FileSecret(f))));
        assertThatThrownBy(() -> start(c, Map.of()))
                .isInstanceOf(BrokerStartupException.class)
                .hasMessage("credential GH_TOKEN: file " + f + " does not exist or is not a regular file");
    }

    @Test
    void failingSecretCommandIsAStartupErrorWithItsStatus() {
        BrokerConfig c = new BrokerConfig("s", List.of(spec("api.github.com",
                new CommandSecret(List.of("/bin/sh", "-c", "echo oops >&2; exit 3")))));
        assertThatThrownBy(() -> start(c, Map.of()))
                .isInstanceOf(BrokerStartupException.class)
                .hasMessage("credential GH_TOKEN: command /bin/sh failed with exit status 3");
    }

    @Test
    void hangingSecretCommandTimesOut() {
        BrokerConfig c = new BrokerConfig("s", List.of(spec("api.github.com",
                new CommandSecret(List.of("/bin/sleep", "20"), Duration.ZERO, Duration.ofMillis(500)))));
        assertThatThrownBy(() -> start(c, Map.of()))
                .isInstanceOf(BrokerStartupException.class).hasMessageContaining("timed out");
    }

    @Test
    void credentialBoundToHostOutsideTheAllowlistIsAStartupError() {
        BrokerConfig c = new BrokerConfig("s", List.of(spec("api.openai.com", new EnvSecret("T"))));
        assertThatThrownBy(() -> start(c, Map.of("T", "x")))
                .isInstanceOf(BrokerStartupException.class)
                .hasMessageContaining("credential GH_TOKEN is bound to api.openai.com")
                .hasMessageContaining("network.allowedDomains");
    }

    @Test
    void wildcardBroaderThanTheAllowlistIsAStartupError() {
        BrokerConfig c = new BrokerConfig("s", List.of(spec("*.github.com", new EnvSecret("T"))));
        assertThatThrownBy(() -> start(c, Map.of("T", "x")))
                .isInstanceOf(BrokerStartupException.class)
                .hasMessageContaining("*.github.com (every subdomain)");
        // ...while a wildcard the allowlist covers is accepted.
        BrokerConfig ok = new BrokerConfig("s", List.of(spec("*.githubusercontent.com", new EnvSecret("T"))));
        assertThat(ok.credentials()).hasSize(1);
    }

    @Test
    void badCaFileIsAStartupError() throws Exception {
        Path bad = tmp.resolve("ca.pem");
        Files.writeString(bad, "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n");
        BrokerConfig c = new BrokerConfig("s", List.of(spec("api.github.com", new EnvSecret("T"))))
                .withUpstreamExtraCa(bad);
        assertThatThrownBy(() -> start(c, Map.of("T", "x")))
                .isInstanceOf(BrokerStartupException.class)
                .hasMessageStartingWith("CA file " + bad + " is not a valid PEM certificate file");
        BrokerConfig missing = c.withUpstreamExtraCa(tmp.resolve("nope.pem"));
        assertThatThrownBy(() -> start(missing, Map.of("T", "x")))
                .isInstanceOf(BrokerStartupException.class).hasMessageContaining("does not exist");
        Path empty = tmp.resolve("empty.pem");
        Files.writeString(empty, "");
        assertThatThrownBy(() -> start(c.withUpstreamExtraCa(empty), Map.of("T", "x")))
                .isInstanceOf(BrokerStartupException.class).hasMessageContaining(empty.toString());
    }

    @Test
    void secretThatIsAPlaceholderIsRefused() {
        BrokerConfig c = new BrokerConfig("s", List.of(spec("api.github.com", new EnvSecret("T"))));
        assertThatThrownBy(() -> start(c, Map.of("T", "palisade-placeholder-0123")))
                .isInstanceOf(BrokerStartupException.class).hasMessageContaining("placeholder");
    }

    @Test
    void invalidRecordsAreRejectedWhenBuilt() {
        assertThatThrownBy(() -> HeaderInjection.parse("Authorization: Bearer"))
                .hasMessageContaining("exactly once");
        assertThatThrownBy(() -> HeaderInjection.parse("Bad Name: {}")).hasMessageContaining("header name");
        assertThatThrownBy(() -> new HostPattern("*")).hasMessageContaining("invalid credential host pattern");
        assertThatThrownBy(() -> new HostPattern("a.*.com")).hasMessageContaining("invalid credential host pattern");
        assertThatThrownBy(() -> new CredentialSpec("bad-name", List.of(new HostPattern("a.com")), Set.of(443),
                new EnvSecret("X"), new QueryInjection("k"), MissingPlaceholder.PASS))
                .hasMessageContaining("environment variable name");
        assertThatThrownBy(() -> new CredentialSpec("X", List.of(), Set.of(443),
                new EnvSecret("X"), new QueryInjection("k"), MissingPlaceholder.PASS))
                .hasMessageContaining("bound to no host");
        assertThatThrownBy(() -> new FileSecret(Path.of("relative"))).hasMessageContaining("absolute");
    }

    @Test
    void startExportsPlaceholdersAndTrustVariables() throws Exception {
        BrokerConfig c = new BrokerConfig("s", List.of(spec("api.github.com", new EnvSecret("T"))));
        CredentialBroker b = start(c, Map.of("T", "ghp_realsecret"));
        {
            Map<String, String> env = b.environment(BrokerConfig.SANDBOX_DIR);
            assertThat(env.get("GH_TOKEN")).startsWith("palisade-placeholder-").hasSize(21 + 32);
            assertThat(env.values()).noneMatch(v -> v.contains("ghp_realsecret"));
            assertThat(env).containsEntry("SSL_CERT_FILE", "/tmp/.palisade-broker/ca-bundle.pem")
                    .containsEntry("NODE_EXTRA_CA_CERTS", "/tmp/.palisade-broker/session-ca.pem")
                    .containsKeys("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "GIT_SSL_CAINFO", "JAVA_TOOL_OPTIONS");
            // The trust files hold certificates only, never a private key or the secret.
            try (var files = Files.list(b.trustDirectory())) {
                for (Path f : files.toList()) {
                    byte[] content = Files.readAllBytes(f);
                    String s = new String(content, java.nio.charset.StandardCharsets.ISO_8859_1);
                    assertThat(s).doesNotContain("PRIVATE KEY").doesNotContain("ghp_realsecret");
                }
            }
            String bundle = Files.readString(b.trustDirectory().resolve("ca-bundle.pem"));
            assertThat(bundle).endsWith(b.caCertificatePem());
            if (Files.exists(BrokerConfig.SYSTEM_BUNDLE)) {
                assertThat(UpstreamTls.readCertificates(b.trustDirectory().resolve("ca-bundle.pem")).size())
                        .isEqualTo(UpstreamTls.readCertificates(BrokerConfig.SYSTEM_BUNDLE).size() + 1);
            }
            java.security.KeyStore ks = java.security.KeyStore.getInstance(
                    b.trustDirectory().resolve("truststore.p12").toFile(), "palisade".toCharArray());
            assertThat(ks.isCertificateEntry("palisade-session-ca")).isTrue();
            assertThat(b.placeholder("GH_TOKEN")).isEqualTo(env.get("GH_TOKEN"));
            Path dir = b.trustDirectory();
            b.close();
            assertThat(dir).doesNotExist();
        }
    }

    @Test
    void placeholdersDifferPerSession() throws Exception {
        BrokerConfig c = new BrokerConfig("s", List.of(spec("api.github.com", new EnvSecret("T"))));
        try (CredentialBroker a = start(c, Map.of("T", "x")); CredentialBroker b = start(c, Map.of("T", "x"))) {
            assertThat(a.placeholder("GH_TOKEN")).isNotEqualTo(b.placeholder("GH_TOKEN"));
            assertThat(a.caCertificatePem()).isNotEqualTo(b.caCertificatePem());
        }
    }
}
