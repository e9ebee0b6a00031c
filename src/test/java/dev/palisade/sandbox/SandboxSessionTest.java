package dev.palisade.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.palisade.api.Event;
import dev.palisade.api.EventSink;
import dev.palisade.api.ExitEvent;
import dev.palisade.paths.Access;
import dev.palisade.paths.Mount;
import dev.palisade.policy.FilesystemPolicy;
import dev.palisade.sys.Libc;
import dev.palisade.testing.SandboxPrerequisites;

/** Sessions that outlive one command, driven through the Java API. */
@Tag("sandbox")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SandboxSessionTest {
    @TempDir
    Path tmp;
    Path work;

    @BeforeEach
    void folder() throws IOException {
        SandboxPrerequisites.requireBwrap();
        work = Files.createDirectory(tmp.resolve("work"));
    }

    private SessionSpec spec(String id, boolean persistentHome) throws IOException {
        return new SessionSpec(id, Tier.NAMESPACE, List.of(new Mount(work.toRealPath(), "work", Access.RW)),
                FilesystemPolicy.DEFAULT, tmp, persistentHome);
    }

    private static Exec exec(EventSink sink, int[] stdio, String script) {
        return new Exec(List.of("/bin/sh", "-c", script), Map.of(), null, List.of(), sink, stdio, false);
    }

    @Test
    void persistentHomeKeepsFilesAcrossCommandsUntilTheSessionCloses() throws Exception {
        try (SandboxSession s = SandboxSession.open(spec("steady-noether", true))) {
            assertThat(s.run(exec(EventSink.NONE, null, "echo kept > $HOME/note")).status()).isZero();
            assertThat(s.run(exec(EventSink.NONE, null, "grep -q kept $HOME/note")).status()).isZero();
        }
        try (SandboxSession s = SandboxSession.open(spec("steady-noether", true))) {
            assertThat(s.run(exec(EventSink.NONE, null, "test -e $HOME/note")).status()).isEqualTo(1);
        }
    }

    @Test
    void oneSessionIdIsOneSession() throws Exception {
        try (SandboxSession s = SandboxSession.open(spec("lucid-wu", false))) {
            assertThat(s.defaultCwd()).isEqualTo("/sessions/lucid-wu/mnt/work");
            assertThatThrownBy(() -> SandboxSession.open(spec("lucid-wu", false)))
                    .isInstanceOf(SandboxException.class).hasMessageContaining("in use");
        }
    }

    @Test
    void commandsRunSideBySideWithTheirOwnOutputAndStatus() throws Exception {
        List<ExitEvent> exits = new ArrayList<>();
        EventSink sink = (Event e) -> {
            if (e instanceof ExitEvent x) {
                synchronized (exits) {
                    exits.add(x);
                }
            }
        };
        try (SandboxSession s = SandboxSession.open(spec("swift-gauss", true))) {
            List<Thread> threads = new ArrayList<>();
            String[] outputs = new String[4];
            int[] statuses = new int[4];
            for (int i = 0; i < 4; i++) {
                int n = i;
                threads.add(Thread.ofVirtual().start(() -> {
                    Path out = tmp.resolve("out" + n);
                    try {
                        int fd = fdOf(out);
                        try {
                            statuses[n] = s.run(exec(sink, new int[] {0, fd, 2}, "echo run-" + n + "; exit " + n)).status();
                        } finally {
                            Libc.closeQuietly(fd);
                        }
                        outputs[n] = Files.readString(out, StandardCharsets.UTF_8);
                    } catch (Exception e) {
                        outputs[n] = e.toString();
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            for (int i = 0; i < 4; i++) {
                assertThat(outputs[i]).isEqualTo("run-" + i + "\n");
                assertThat(statuses[i]).isEqualTo(i);
            }
        }
        assertThat(exits).hasSize(4);
    }

    private static int fdOf(Path file) throws IOException {
        return Libc.open(file.toString(), Libc.O_WRONLY | Libc.O_CREAT | Libc.O_TRUNC, 0600);
    }
}
