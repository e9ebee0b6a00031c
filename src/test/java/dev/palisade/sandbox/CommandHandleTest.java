package dev.palisade.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.palisade.api.EventSink;
import dev.palisade.paths.Access;
import dev.palisade.paths.Mount;
import dev.palisade.policy.FilesystemPolicy;
import dev.palisade.testing.SandboxPrerequisites;

/** A command signalled from another thread through its handle: the whole process group, never before or after. */
@Tag("sandbox")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CommandHandleTest {
    @TempDir
    Path tmp;

    private SandboxSession open(String id, Path work) throws Exception {
        return SandboxSession.open(new SessionSpec(id, Tier.NAMESPACE, List.of(new Mount(work, "work", Access.RW)),
                FilesystemPolicy.DEFAULT, tmp, false));
    }

    private static Exec exec(String script) {
        return new Exec(List.of("/bin/sh", "-c", script), Map.of(), null, List.of(), EventSink.NONE, null, false);
    }

    @Test
    void signalReachesTheCommandsChildrenAndEndsWithTheCommand() throws Exception {
        SandboxPrerequisites.requireBwrap();
        Path work = Files.createDirectory(tmp.resolve("work")).toRealPath();
        CommandHandle handle = new CommandHandle();
        assertThat(handle.signal(15)).as("not started").isFalse();
        try (SandboxSession s = open("brave-curie", work)) {
            AtomicReference<Outcome> outcome = new AtomicReference<>();
            // The grandchild sleep writes its status only if SIGTERM reached it (sh ignores TERM here).
            Thread t = Thread.ofVirtual().start(() -> {
                try {
                    outcome.set(s.run(exec("trap '' TERM; touch ready; (trap - TERM; exec sleep 30); echo $? > status"),
                            handle));
                } catch (SandboxException e) {
                    throw new IllegalStateException(e);
                }
            });
            while (!Files.exists(work.resolve("ready"))) {
                Thread.sleep(20);
            }
            Thread.sleep(100); // the subshell has reset TERM and exec'd sleep
            assertThat(handle.signal(15)).isTrue();
            t.join(20_000);
            assertThat(outcome.get()).isNotNull();
            assertThat(outcome.get().status()).isZero();
            assertThat(Files.readString(work.resolve("status")).strip()).isEqualTo("143");
            assertThat(handle.ended()).isTrue();
            assertThat(handle.signal(9)).as("ended").isFalse();
            assertThat(handle.kill()).isFalse();
        }
    }

    @Test
    void killEndsTheWholeSandbox() throws Exception {
        SandboxPrerequisites.requireBwrap();
        Path work = Files.createDirectory(tmp.resolve("work")).toRealPath();
        CommandHandle handle = new CommandHandle();
        try (SandboxSession s = open("calm-hopper", work)) {
            AtomicReference<Outcome> outcome = new AtomicReference<>();
            Thread t = Thread.ofVirtual().start(() -> {
                try {
                    outcome.set(s.run(exec("trap '' TERM INT HUP; touch ready; sleep 30"), handle));
                } catch (SandboxException e) {
                    throw new IllegalStateException(e);
                }
            });
            while (!Files.exists(work.resolve("ready"))) {
                Thread.sleep(20);
            }
            long t0 = System.nanoTime();
            assertThat(handle.kill()).isTrue();
            t.join(20_000);
            assertThat(outcome.get().signal()).isEqualTo(9);
            assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(10_000);
        }
    }
}
