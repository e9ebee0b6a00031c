package dev.palisade.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.palisade.testing.Prerequisites;
import dev.palisade.testing.SandboxPrerequisites;

/** Violations, session subscriptions and late follows through the SDK against a real daemon. */
@Tag("sandbox")
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SdkEventsTest {
    @TempDir
    Path tmp;
    TestDaemon daemon;

    @BeforeEach
    void start() throws Exception {
        SandboxPrerequisites.requireBwrap();
        daemon = new TestDaemon(tmp);
    }

    @AfterEach
    @Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void stop() throws Exception {
        daemon.close();
    }

    @Test
    void onViolationFiresForAConnectionTheProxyRefuses() throws Exception {
        Prerequisites.require(Files.isExecutable(Path.of("/usr/bin/curl")), "/usr/bin/curl (visible inside the sandbox)");
        try (Palisade p = Palisade.connect(daemon.socket()); Session s = p.createSession(
                SessionOptions.of().withPolicy("{\"network\": {\"allowedDomains\": [\"allowed.test\"]}}"))) {
            SandboxProcess proc = s.exec("curl", "-sS", "--max-time", "10", "-o", "/dev/null", "-w", "%{http_code}",
                    "http://refused.test:8080/");
            List<Violation> seen = new CopyOnWriteArrayList<>();
            StringBuilder out = new StringBuilder();
            proc.onViolation(seen::add).onOutput(c -> out.append(c.text()));
            proc.waitFor();
            assertThat(out).hasToString("403");
            assertThat(seen).singleElement().satisfies(v -> {
                assertThat(v.process()).isEqualTo(proc.id());
                assertThat(v.layer()).isEqualTo("network");
                assertThat(v.target()).isEqualTo("refused.test:8080");
            });
        }
    }

    @Test
    void subscribedSessionReplaysHistoryFollowsNewProcessesAndReportsFileRefusals() throws Exception {
        Path proj = Files.createDirectories(tmp.resolve("proj")).toRealPath();
        try (Palisade owner = Palisade.connect(daemon.socket()); Palisade watcher = Palisade.connect(daemon.socket());
                Session s = owner.createSession(SessionOptions.of(proj + ":rw"))) {
            assertThat(s.exec("sh", "-c", "echo early; exit 2").waitFor().status()).isEqualTo(2);
            List<String> log = new CopyOnWriteArrayList<>();
            List<Violation> violations = new CopyOnWriteArrayList<>();
            CountDownLatch twoExits = new CountDownLatch(2);
            CountDownLatch closed = new CountDownLatch(1);
            watcher.session(s.id()).subscribe(true, new SessionListener() {
                @Override
                public void process(SandboxProcess p, List<String> argv) {
                    log.add("start " + String.join(" ", argv));
                    p.onOutput(c -> log.add("out " + c.text().strip())).onExit(x -> {
                        log.add("exit " + x.status());
                        twoExits.countDown();
                    });
                }

                @Override
                public void state(String state) {
                    log.add("state " + state);
                    if (state.equals("closed")) {
                        closed.countDown();
                    }
                }

                @Override
                public void violation(Violation v) {
                    violations.add(v);
                }
            });
            assertThat(s.exec("sh", "-c", "echo late").waitFor().status()).isZero();
            assertThat(twoExits.await(20, TimeUnit.SECONDS)).isTrue();
            // In order per process; the two processes' callbacks run on their own threads.
            assertThat(log).containsSubsequence("start sh -c echo early; exit 2", "out early", "exit 2")
                    .containsSubsequence("start sh -c echo late", "out late", "exit 0").hasSize(6);
            assertThatThrownBy(() -> s.write(proj + "/run.exe", new byte[] {1}))
                    .isInstanceOfSatisfying(PalisadeException.class, e -> assertThat(e.code()).isEqualTo("blocked-file-type"));
            s.destroy();
            assertThat(closed.await(20, TimeUnit.SECONDS)).isTrue();
            assertThat(violations).singleElement().satisfies(v -> {
                assertThat(v.layer()).isEqualTo("file-api");
                assertThat(v.action()).isEqualTo("write");
                assertThat(v.target()).isEqualTo(proj + "/run.exe");
                assertThat(v.process()).isEmpty();
            });
            assertThat(log).endsWith("state closing", "state closed");
            assertThat(Files.exists(proj.resolve("run.exe"))).isFalse();
        }
    }

    @Test
    void ttyProcessSeesItsSizeAndResize() throws Exception {
        try (Palisade p = Palisade.connect(daemon.socket()); Session s = p.createSession(SessionOptions.of())) {
            SandboxProcess proc = s.exec(ExecRequest.of("sh", "-c", "test -t 0 && echo on-a-tty; stty size; read x; stty size")
                    .withStdinPipe().withTty(30, 90));
            StringBuilder out = new StringBuilder();
            CountDownLatch sized = new CountDownLatch(1);
            proc.onOutput(c -> {
                synchronized (out) {
                    out.append(c.text());
                    if (out.toString().contains("30 90")) {
                        sized.countDown();
                    }
                }
            });
            assertThat(sized.await(20, TimeUnit.SECONDS)).isTrue();
            proc.resize(45, 132);
            proc.writeStdin("x\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            assertThat(proc.waitFor().status()).isZero();
            synchronized (out) {
                assertThat(out.toString()).contains("on-a-tty\r\n", "30 90\r\n", "45 132\r\n");
            }
            assertThatThrownBy(() -> s.exec("true").resize(5, 5)).isInstanceOfSatisfying(PalisadeException.class,
                    e -> assertThat(e.code()).isEqualTo("not-a-tty"));
        }
    }

    @Test
    void followingAnEndedProcessDeliversItsRealExit() throws Exception {
        try (Palisade owner = Palisade.connect(daemon.socket()); Palisade late = Palisade.connect(daemon.socket());
                Session s = owner.createSession(SessionOptions.of())) {
            SandboxProcess gone = s.exec("sh", "-c", "kill -TERM $$");
            assertThat(gone.waitFor().signal()).isEqualTo(15);
            ExitStatus x = late.session(s.id()).follow(gone.id()).waitFor(java.time.Duration.ofSeconds(10)).orElseThrow();
            assertThat(x.status()).isEqualTo(143);
            assertThat(x.signal()).isEqualTo(15);
            assertThat(x.reason()).isEqualTo("signaled");
        }
    }
}
