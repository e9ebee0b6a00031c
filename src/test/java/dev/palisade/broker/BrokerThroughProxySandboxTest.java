package dev.palisade.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
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
import dev.palisade.net.EgressRules;
import dev.palisade.net.NetworkBridge;
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
 * The broker plugged into the real network layer: inside a real sandbox, curl and Python reach
 * the bound host through the session's own proxy (HTTPS_PROXY set by the bridge) and trust the
 * session CA through the exported variables alone; the upstream receives the real secret.
 */
@Tag("sandbox")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BrokerThroughProxySandboxTest {
    static final String SECRET = "sk-proj-REAL-6c1f0e8a77d2";

    @TempDir
    Path tmp;

    @Test
    void curlAndPythonThroughTheRealProxyGetTheSecretInjected() throws Exception {
        SandboxPrerequisites.requireBwrap();
        Prerequisites.requireExecutable("curl");
        Prerequisites.require(Files.isExecutable(Path.of("/usr/bin/python3")), "/usr/bin/python3");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path out = Files.createDirectory(tmp.resolve("out"));
        Path runtime = Files.createDirectory(tmp.resolve("rt"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        TestPki pki = new TestPki();
        List<Event> events = new CopyOnWriteArrayList<>();
        try (TestUpstream api = new TestUpstream(pki.serverContext("api.test"), CredentialBrokerTest::echoAuth)) {
            String session = SessionIds.generate();
            CredentialSpec spec = new CredentialSpec("OPENAI_API_KEY", List.of(new HostPattern("api.test")),
                    Set.of(api.port()), new EnvSecret("HOST_KEY"), HeaderInjection.parse("Authorization: Bearer {}"),
                    MissingPlaceholder.REFUSE);
            CredentialBroker broker = CredentialBroker.start(
                    new BrokerConfig(session, List.of(spec)).withUpstreamExtraCa(pki.writeCa(tmp)),
                    h -> h.equals("api.test"), events::add, Map.of("HOST_KEY", SECRET));
            // The test upstream is on loopback: allowed explicitly, as the network tests do.
            EgressRules rules = new EgressRules(List.of("api.test"), List.of(), List.of("127.0.0.1/32"), List.of(),
                    EgressRules.DEFAULT_MAX_CONNECTIONS, EgressRules.DEFAULT_MAX_BYTES);
            NetworkBridge bridge = new NetworkBridge(session, rules, name -> List.of(InetAddress.getLoopbackAddress()),
                    events::add, broker, runtime, List.of());
            String url = "https://api.test:" + api.port() + "/v1/chat";
            String py = "import os, urllib.request\n"
                    + "r = urllib.request.Request('" + url + "', headers={'Authorization': 'Bearer ' + os.environ['OPENAI_API_KEY']})\n"
                    + "print(urllib.request.urlopen(r, timeout=20).read().decode())\n";
            String script = String.join("\n",
                    "curl -sS --max-time 20 -H \"Authorization: Bearer $OPENAI_API_KEY\" " + url
                            + " > curl.txt 2> curl-err.txt; echo $? > curl-status",
                    "curl -sS --max-time 20 -o /dev/null -w '%{http_code}' " + url + " > refused-status 2>>curl-err.txt",
                    "python3 -c \"$PY\" > python.txt 2> python-err.txt; echo $? > python-status");
            try {
                Outcome o = Sandbox.run(new RunRequest(session, Tier.NAMESPACE,
                        List.of(new Mount(out, "out", Access.RW)), FilesystemPolicy.DEFAULT,
                        List.of("/bin/sh", "-c", script), Map.of("PY", py), List.of(bridge, broker),
                        Path.of(System.getProperty("user.home")), events::add), false);
                assertThat(o.status()).as(o.message()).isZero();
            } finally {
                broker.close();
            }
            String ph = broker.placeholder("OPENAI_API_KEY");
            assertThat(Files.readString(out.resolve("curl-status")).strip())
                    .as(Files.readString(out.resolve("curl-err.txt"))).isEqualTo("0");
            assertThat(Files.readString(out.resolve("curl.txt"))).contains("auth=Bearer " + ph).doesNotContain(SECRET);
            assertThat(Files.readString(out.resolve("python-status")).strip())
                    .as(Files.readString(out.resolve("python-err.txt"))).isEqualTo("0");
            assertThat(Files.readString(out.resolve("python.txt"))).contains("auth=Bearer " + ph).doesNotContain(SECRET);
            // Without the placeholder the request is refused (onMissing REFUSE) and never reaches upstream.
            assertThat(Files.readString(out.resolve("refused-status"))).isEqualTo("403");
            assertThat(api.requests).hasSize(2).allSatisfy(r -> assertThat(r.header("authorization"))
                    .isEqualTo("Bearer " + SECRET));
        }
    }
}
