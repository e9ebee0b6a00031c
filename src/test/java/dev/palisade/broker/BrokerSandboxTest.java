package dev.palisade.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.palisade.api.Event;
import dev.palisade.api.ViolationEvent;
import dev.palisade.paths.Access;
import dev.palisade.paths.Mount;
import dev.palisade.policy.FilesystemPolicy;
import dev.palisade.sandbox.Outcome;
import dev.palisade.sandbox.RunRequest;
import dev.palisade.sandbox.Sandbox;
import dev.palisade.sandbox.SessionIds;
import dev.palisade.sandbox.Tier;
import dev.palisade.testing.Prerequisites;
import dev.palisade.testing.SandboxPrerequisites;

/**
 * The acceptance test of the credential layer: curl inside a real namespace sandbox sends the
 * placeholder it finds in its environment, trusting the session CA through the exported files
 * alone; the upstream receives the real secret; and the sandbox finds the secret nowhere — not in
 * its environment, /proc, the files it can read, or the response.
 */
@Tag("sandbox")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BrokerSandboxTest {
    static final String SECRET = "sk-ant-REALsecret-5b0d2e61c9";

    @TempDir
    Path tmp;

    @Test
    void sandboxedCurlGetsTheSecretUpstreamButCanNeverSeeIt() throws Exception {
        SandboxPrerequisites.requireBwrap();
        Prerequisites.requireExecutable("curl");
        Prerequisites.requireExecutable("socat");
        // Directories the unprivileged CI user's sandbox must be able to enter.
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path secretFile = tmp.resolve("host-secret");
        Files.writeString(secretFile, SECRET + "\n");
        Path out = Files.createDirectory(tmp.resolve("out"));
        Path bridgeDir = Files.createDirectory(tmp.resolve("bridge"));

        TestPki pki = new TestPki();
        List<Event> events = new CopyOnWriteArrayList<>();
        try (TestUpstream api = new TestUpstream(pki.serverContext("api.test"), CredentialBrokerTest::echoAuth);
                TestUpstream other = new TestUpstream(pki.serverContext("other.test"), CredentialBrokerTest::echoAuth)) {
            CredentialSpec spec = new CredentialSpec("API_TOKEN", List.of(new HostPattern("api.test")),
                    Set.of(api.port()), new FileSecret(secretFile), HeaderInjection.parse("x-api-key: {}"),
                    MissingPlaceholder.PASS);
            CredentialSpec otherSpec = new CredentialSpec("OTHER_TOKEN", List.of(new HostPattern("other.test")),
                    Set.of(other.port()), new FileSecret(secretFile), HeaderInjection.parse("x-other: {}"),
                    MissingPlaceholder.PASS);
            String session = SessionIds.generate();
            CredentialBroker broker = CredentialBroker.start(
                    new BrokerConfig(session, List.of(spec, otherSpec)).withUpstreamExtraCa(pki.writeCa(tmp)),
                    h -> h.endsWith(".test"), events::add);
            try (TestConnectProxy proxy = new TestConnectProxy(broker);
                    UnixBridge bridge = new UnixBridge(bridgeDir, proxy.port())) {
                // The forwarder inside: 127.0.0.1:3128 in the sandbox's own network namespace.
                String curl = "curl -sS --max-time 20 -x http://127.0.0.1:3128 ";
                String script = String.join("\n",
                        "socat TCP-LISTEN:3128,bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:" + UnixBridge.INSIDE
                                + "/proxy.sock & bridge=$!; sleep 0.3",
                        curl + "-H \"x-api-key: $API_TOKEN\" https://api.test:" + api.port() + "/echo"
                                + " > response.txt 2> curl-err.txt; echo $? > curl-status",
                        // The same placeholder sent to another intercepted host: not replaced.
                        curl + "-H \"x-api-key: $API_TOKEN\" https://other.test:" + other.port() + "/"
                                + " > other-response.txt 2>> curl-err.txt",
                        "env > env.txt",
                        "cat /proc/[0-9]*/environ /proc/[0-9]*/cmdline > proc.bin 2>/dev/null",
                        "tar cf files.tar --exclude=./sessions/*/mnt -C / etc tmp run var sessions home root dev/shm"
                                + " 2>/dev/null",
                        "kill $bridge");
                Outcome o = Sandbox.run(new RunRequest(session, Tier.NAMESPACE,
                        List.of(new Mount(out, "out", Access.RW)), FilesystemPolicy.DEFAULT,
                        List.of("/bin/sh", "-c", script), Map.of(), List.of(bridge, broker),
                        Path.of(System.getProperty("user.home")), events::add), false);
                assertThat(o.status()).as(o.message()).isZero();
            } finally {
                broker.close();
            }

            String curlErr = Files.readString(out.resolve("curl-err.txt"));
            assertThat(Files.readString(out.resolve("curl-status")).strip()).as(curlErr).isEqualTo("0");
            String placeholder = broker.placeholder("API_TOKEN");
            // Upstream got the real secret; the sandbox got only the placeholder back.
            assertThat(api.requests.poll(5, TimeUnit.SECONDS).header("x-api-key")).isEqualTo(SECRET);
            assertThat(Files.readString(out.resolve("response.txt"))).contains("key=" + placeholder)
                    .doesNotContain(SECRET);
            // The other host saw the placeholder, and a violation was recorded.
            assertThat(other.requests.poll(5, TimeUnit.SECONDS).header("x-api-key")).isEqualTo(placeholder);
            assertThat(events).filteredOn(ViolationEvent.class::isInstance).map(ViolationEvent.class::cast)
                    .anySatisfy(v -> assertThat(v.target()).contains("other.test").contains("API_TOKEN"));
            // Nowhere the sandbox could look holds the secret.
            assertThat(Files.readString(out.resolve("env.txt"))).contains("API_TOKEN=" + placeholder)
                    .contains("SSL_CERT_FILE=").doesNotContain(SECRET);
            byte[] secret = SECRET.getBytes(StandardCharsets.US_ASCII);
            for (String f : List.of("proc.bin", "files.tar", "env.txt", "response.txt", "other-response.txt")) {
                byte[] content = Files.readAllBytes(out.resolve(f));
                assertThat(PlaceholderScanner.indexOf(content, secret)).as(f).isEqualTo(-1);
            }
            assertThat(Files.size(out.resolve("proc.bin"))).isPositive();
            assertThat(Files.size(out.resolve("files.tar"))).isGreaterThan(100_000); // etc/ssl at least
        }
    }
}
