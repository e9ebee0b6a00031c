package dev.palisade.guard;

import static dev.palisade.guard.FuseTestSupport.host;
import static dev.palisade.guard.FuseTestSupport.sha256;
import static dev.palisade.guard.FuseTestSupport.sums;
import static org.assertj.core.api.Assertions.assertThat;

import dev.palisade.api.Event;
import dev.palisade.api.FileEvent;
import dev.palisade.api.ViolationEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guarded view from inside a real bwrap sandbox: attacks fail with the right errno and an
 * event, legitimate work succeeds and the host folder holds exactly the bytes written.
 */
@Tag("fuse")
@Tag("sandbox")
@Timeout(180)
class GuardedFolderFuseTest {
    /** Prints "name|status|stderr" for a command, so one sandbox run checks many operations. */
    private static final String T = "t() { n=$1; shift; e=$(\"$@\" 2>&1 >/dev/null); echo \"$n|$?|$e\"; }\n";

    @TempDir
    Path tmp;
    Path folder;
    Path historyDir;
    final List<Event> events = new CopyOnWriteArrayList<>();
    GuardedFolder guard;

    @BeforeEach
    void prepare() throws IOException {
        FuseTestSupport.requireFuse();
        folder = Files.createDirectory(tmp.resolve("folder"));
        historyDir = tmp.resolve("history");
    }

    private void mount() throws IOException {
        guard = GuardedFolder.mount("test-session", folder,
                GuardRules.defaults().withDenyWrite(List.of("*.key", "secrets/**")), historyDir, events::add);
    }

    @AfterEach
    void unmount() throws IOException {
        if (guard != null) {
            guard.close();
        }
    }

    private static Map<String, String[]> results(String output) {
        Map<String, String[]> out = new HashMap<>();
        for (String line : output.split("\n")) {
            String[] f = line.split("\\|", 3);
            if (f.length == 3) {
                out.put(f[0], f);
            }
        }
        return out;
    }

    private static void assertRefused(Map<String, String[]> r, String name, String message) {
        assertThat(r).as("ran %s", name).containsKey(name);
        assertThat(Integer.parseInt(r.get(name)[1])).as("%s status", name).isNotZero();
        assertThat(r.get(name)[2]).as("%s error", name).contains(message);
    }

    private List<String> violationTargets() {
        return events.stream().filter(e -> e instanceof ViolationEvent).map(e -> ((ViolationEvent) e).target())
                .toList();
    }

    @Test
    void refusesBlockedTypesEscapingLinksAndSpecialFilesWithEvents() throws Exception {
        Files.writeString(folder.resolve("a.txt"), "A");
        Files.writeString(folder.resolve("x"), "X");
        Files.createDirectories(folder.resolve("secrets"));
        Files.writeString(folder.resolve("secrets/old.txt"), "S");
        mount();
        String script = T + """
                t touch touch a.exe
                t trailing touch 'b.EXE. '
                t fullwidth touch 'c.ｅｘｅ'
                t cp cp x a.JAR
                t mv mv a.txt a.exe
                t hardlink ln a.txt b.dmg
                t symlink ln -s /etc/passwd p
                t symlinkup ln -s ../outside q
                t fifo mkfifo f
                t laterglob sh -c 'echo k > id.key'
                t denydir sh -c 'echo s >> secrets/old.txt'
                t denynew sh -c 'echo s > secrets/new.txt'
                t denymove mv secrets s2
                t bundle mkdir Evil.app
                t pyopen python3 -c 'import os, sys, errno
                try:
                    os.open("z.Exe", os.O_CREAT | os.O_WRONLY, 0o644)
                except OSError as e:
                    sys.exit(errno.errorcode[e.errno])'
                t suid sh -c 'cp x y && chmod u+s y'
                t okdir mkdir example.com
                """;
        TestSandbox.Result run = TestSandbox.run(guard.mountpoint(), script);
        Map<String, String[]> r = results(run.output());
        for (String n : List.of("touch", "trailing", "fullwidth", "cp", "mv", "hardlink", "laterglob", "denydir",
                "denynew", "denymove", "bundle")) {
            assertRefused(r, n, "Permission denied");
        }
        assertRefused(r, "pyopen", "EACCES");
        for (String n : List.of("symlink", "symlinkup", "fifo", "suid")) {
            assertRefused(r, n, "Operation not permitted");
        }
        assertThat(r.get("okdir")[1]).isEqualTo("0");

        try (var s = Files.list(folder)) {
            assertThat(s.map(p -> p.getFileName().toString()).collect(Collectors.toSet()))
                    .containsExactlyInAnyOrder("a.txt", "x", "y", "secrets", "example.com");
        }
        assertThat(Files.readString(folder.resolve("a.txt"))).isEqualTo("A");
        assertThat(Files.readString(folder.resolve("secrets/old.txt"))).isEqualTo("S");
        assertThat(Files.getPosixFilePermissions(folder.resolve("y")).toString()).doesNotContain("SETUID");
        for (String n : List.of("a.exe", "a.JAR", "b.dmg", "p", "q", "f", "id.key", "secrets/old.txt",
                "secrets/new.txt", "secrets", "Evil.app", "z.Exe", "y")) {
            assertThat(violationTargets()).as("violation event for %s", n).contains(folder.resolve(n).toString());
        }
        assertThat(events).filteredOn(e -> e instanceof ViolationEvent)
                .allSatisfy(e -> assertThat(((ViolationEvent) e).layer()).isEqualTo("filesystem"));
    }

    @Test
    void protectedPathsStayReadOnlyWhileGitCommitWorks() throws Exception {
        Files.writeString(folder.resolve("f.txt"), "one\n");
        host(folder, "git", "init", "-q");
        host(folder, "git", "add", "-A");
        host(folder, "git", "commit", "-qm", "first");
        String configBefore = sha256(Files.readAllBytes(folder.resolve(".git/config")));
        mount();
        String script = T + """
                t hook sh -c 'echo evil > .git/hooks/pre-commit'
                t hooksample sh -c 'echo evil >> .git/hooks/pre-commit.sample'
                t config sh -c 'echo x >> .git/config'
                t mvgit mv .git .g
                t mvhooks mv .git/hooks .git/h
                t claude mkdir .claude
                t envrc sh -c 'echo x > .envrc'
                t gitfile sh -c 'mkdir -p sub && echo "gitdir: /tmp" > sub/.git'
                t prepared sh -c 'mkdir -p g/hooks && echo evil > g/hooks/pre-commit && mv g .git/modules'
                t commit sh -c 'echo two >> f.txt && git add -A && git commit -qm second'
                t fresh sh -c 'mkdir fresh && cd fresh && git init -q && echo a > a && git add a && git commit -qm x'
                t freshhook sh -c 'echo evil > fresh/.git/hooks/post-commit'
                """;
        Map<String, String[]> r = results(TestSandbox.run(guard.mountpoint(), script).output());
        for (String n : List.of("hook", "hooksample", "config", "mvgit", "mvhooks", "claude", "envrc", "gitfile",
                "prepared", "freshhook")) {
            assertRefused(r, n, "Permission denied");
        }
        assertThat(r.get("commit")).as("git commit inside").containsExactly("commit", "0", "");
        assertThat(r.get("fresh")[1]).as("git init + commit of a fresh repository: %s", r.get("fresh")[2])
                .isEqualTo("0");
        assertThat(folder.resolve(".git/hooks/pre-commit")).doesNotExist();
        assertThat(folder.resolve(".git/modules")).doesNotExist();
        assertThat(folder.resolve("fresh/.git/hooks/post-commit")).doesNotExist();
        assertThat(sha256(Files.readAllBytes(folder.resolve(".git/config")))).isEqualTo(configBefore);
        assertThat(host(folder, "git", "log", "--format=%s")).isEqualTo("second\nfirst\n");
        host(folder, "git", "fsck", "--strict");
        assertThat(host(folder, "git", "status", "--porcelain", "--untracked-files=no")).isEmpty();
    }

    @Test
    void ordinaryWorkLandsOnTheHostByteForByte() throws Exception {
        Path in = Files.createDirectory(tmp.resolve("in"));
        Path src = Files.createDirectory(tmp.resolve("src"));
        Random rnd = new Random(42);
        Map<String, String> expected = new HashMap<>();
        for (int i = 0; i < 1000; i++) {
            String name = "t/d" + (i % 20) + "/f" + i + ".dat";
            byte[] data = new byte[rnd.nextInt(3000)];
            rnd.nextBytes(data);
            Files.createDirectories(src.resolve(name).getParent());
            Files.write(src.resolve(name), data);
            expected.put(name, sha256(data));
        }
        host(src, "tar", "cf", in.resolve("files.tar").toString(), "t");
        Files.writeString(in.resolve("hello.c"), "#include <stdio.h>\nint main(void){puts(\"hello guard\");return 0;}\n");
        mount();
        String script = """
                set -e
                tar xf /in/in/files.tar
                mkdir src && cp /in/in/hello.c src/ && gcc -O0 -o hello src/hello.c && ./hello > out.txt
                printf 'line1\\n' > edit.txt; printf 'line2\\n' >> edit.txt; sed -i 's/line1/LINE1/' edit.txt
                git init -q && git add -A && git commit -qm all
                find . -path ./.git -prune -o -type f -print | sed 's|^\\./||' | sort | xargs sha256sum
                """;
        TestSandbox.Result run = TestSandbox.run(guard.mountpoint(), script, in);
        assertThat(run.status()).as(run.output()).isZero();
        Map<String, String> inside = new HashMap<>();
        for (String line : run.output().split("\n")) {
            String[] f = line.split("  ", 2);
            if (f.length == 2 && f[0].length() == 64) {
                inside.put(f[1], f[0]);
            }
        }
        Map<String, String> onHost = new HashMap<>(sums(folder, List.of(".git")));
        onHost.keySet().removeIf(k -> k.endsWith("/"));
        assertThat(onHost).isEqualTo(inside);
        assertThat(onHost).containsAllEntriesOf(expected);
        assertThat(Files.readString(folder.resolve("out.txt"))).isEqualTo("hello guard\n");
        assertThat(Files.readString(folder.resolve("edit.txt"))).isEqualTo("LINE1\nline2\n");
        host(folder, "git", "fsck", "--strict");
        assertThat(host(folder, "git", "status", "--porcelain")).isEmpty();
        assertThat(events).filteredOn(e -> e instanceof FileEvent f && f.action().equals("modified")
                && f.path().equals(folder.resolve("out.txt").toString())).hasSize(1);
    }

    @Test
    void undoRestoresRmRfGitAndATruncatedFileByteForByte() throws Exception {
        Files.createDirectories(folder.resolve("src"));
        Files.writeString(folder.resolve("src/main.c"), "int main(void) { return 0; }\n");
        host(folder, "git", "init", "-q");
        host(folder, "git", "add", "-A");
        host(folder, "git", "commit", "-qm", "first");
        Map<String, String> atStart = sums(folder, List.of());
        mount();
        TestSandbox.Result commit = TestSandbox.run(guard.mountpoint(),
                "set -e; echo '/* more */' >> src/main.c; git -c gc.auto=0 commit -qam second");
        assertThat(commit.status()).as(commit.output()).isZero();
        Map<String, String> afterCommit = sums(folder, List.of());
        Thread.sleep(5);
        Instant beforeDamage = Instant.now();
        Thread.sleep(5);
        TestSandbox.Result destroy = TestSandbox.run(guard.mountpoint(), "rm -rf .git; : > src/main.c; true");
        assertThat(destroy.status()).isZero();
        assertThat(Files.size(folder.resolve("src/main.c"))).isZero();
        assertThat(folder.resolve(".git/HEAD")).doesNotExist();
        assertThat(folder.resolve(".git/objects")).doesNotExist();
        guard.close();
        guard = null;

        List<String> undone = History.restore(historyDir, folder, beforeDamage, List.of());
        assertThat(undone).contains(".git/HEAD", ".git/index", "src/main.c");
        assertThat(sums(folder, List.of())).isEqualTo(afterCommit);
        assertThat(host(folder, "git", "log", "--format=%s")).isEqualTo("second\nfirst\n");
        host(folder, "git", "fsck", "--strict");

        History.restore(historyDir, folder, List.of());
        assertThat(sums(folder, List.of())).as("whole session undone").isEqualTo(atStart);
        assertThat(host(folder, "git", "log", "--format=%s")).isEqualTo("first\n");
    }

    @Test
    void undoOfOnePathLeavesTheRestAlone() throws Exception {
        Files.writeString(folder.resolve("keep.txt"), "v1");
        Files.writeString(folder.resolve("gone.txt"), "old");
        mount();
        TestSandbox.Result run = TestSandbox.run(guard.mountpoint(), "rm keep.txt gone.txt");
        assertThat(run.status()).as(run.output()).isZero();
        List<String> restored = History.restore(historyDir, folder, List.of(folder.resolve("gone.txt").toString()));
        assertThat(restored).containsExactly("gone.txt");
        assertThat(Files.readString(folder.resolve("gone.txt"))).isEqualTo("old");
        assertThat(folder.resolve("keep.txt")).doesNotExist();
        assertThat(events).filteredOn(e -> e instanceof FileEvent f && f.action().equals("deleted")).hasSize(2);
    }

    @Test
    void symlinksAndDirectoryMovesCannotClimbOutOfTheFolder() throws Exception {
        mount();
        String script = T + """
                mkdir -p a/b a/bin node/bin
                t inside ln -s ../../node/bin a/b/s
                t npmstyle ln -s ../node/bin a/bin/cli
                t dotdotafter ln -s a/../../x t1
                t movedir mv a/b b
                t movelink mv a/b/s s
                t hardlinkout ln /etc/hostname h
                """;
        Map<String, String[]> r = results(TestSandbox.run(guard.mountpoint(), script).output());
        assertThat(r.get("inside")[1]).isEqualTo("0");
        assertThat(r.get("npmstyle")[1]).isEqualTo("0");
        assertRefused(r, "dotdotafter", "Operation not permitted");
        assertRefused(r, "movedir", "Operation not permitted");
        assertRefused(r, "movelink", "Operation not permitted");
        assertRefused(r, "hardlinkout", "Invalid cross-device link");
        assertThat(Files.readSymbolicLink(folder.resolve("a/b/s")).toString()).isEqualTo("../../node/bin");
        assertThat(folder.resolve("b")).doesNotExist();
        assertThat(folder.resolve("h")).doesNotExist();
        List<String> all = new ArrayList<>();
        try (var s = Files.walk(folder)) {
            s.forEach(p -> all.add(folder.relativize(p).toString()));
        }
        assertThat(all).doesNotContain("t1", "s");
        assertThat(folder.resolve("a/b/s").toRealPath()).startsWith(folder.toRealPath());
    }
}
