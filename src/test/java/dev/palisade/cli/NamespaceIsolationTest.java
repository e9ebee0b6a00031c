package dev.palisade.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.palisade.testing.Cli;
import dev.palisade.testing.Prerequisites;
import dev.palisade.testing.SandboxPrerequisites;

/** Filesystem isolation of the namespace tier, attacked from inside real sandboxes. */
@Tag("sandbox")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NamespaceIsolationTest {
    @TempDir
    Path tmp;
    Path rw;
    Path ro;

    @BeforeEach
    void folders() throws Exception {
        SandboxPrerequisites.requireBwrap();
        rw = Files.createDirectory(tmp.resolve("Work"));
        ro = Files.createDirectory(tmp.resolve("Docs"));
        Files.writeString(ro.resolve("readme.txt"), "read me\n");
    }

    private Cli.Result sh(String script, String... extra) throws Exception {
        String[] args = new String[extra.length + 6];
        args[0] = "run";
        System.arraycopy(extra, 0, args, 1, extra.length);
        int i = extra.length + 1;
        args[i++] = "--";
        args[i++] = "/bin/sh";
        args[i++] = "-c";
        args[i++] = script;
        return Cli.run(tmp, java.util.Arrays.copyOf(args, i));
    }

    @Test
    void writeInReadWriteFolderAppearsOnHost() throws Exception {
        Cli.Result r = sh("echo hello > out.txt && pwd", "--mount", rw + ":rw");
        assertThat(r.status()).as(r.stderr()).isZero();
        assertThat(Files.readString(rw.resolve("out.txt"))).isEqualTo("hello\n");
        assertThat(r.stdout().trim()).matches("/sessions/[a-z]+-[a-z]+/mnt/Work");
    }

    @Test
    void writeToReadOnlyFolderFailsWithErofs() throws Exception {
        Cli.Result r = sh("cat $HOME/mnt/Docs/readme.txt; echo x > $HOME/mnt/Docs/new.txt", "--mount", rw + ":rw",
                "--mount", ro.toString());
        assertThat(r.stdout()).contains("read me");
        assertThat(r.status()).isNotZero();
        assertThat(r.stderr()).contains("Read-only file system");
        assertThat(ro.resolve("new.txt")).doesNotExist();
    }

    @Test
    void hostHomeRootAndOtherFoldersAreInvisible() throws Exception {
        Cli.Result r = sh("for d in /home /root /run /var/lib /sys " + tmp + "; do ls -d $d 2>/dev/null && echo VISIBLE $d; done;"
                + " ls /etc; echo done", "--mount", rw + ":rw");
        assertThat(r.status()).as(r.stderr()).isZero();
        assertThat(r.stdout()).doesNotContain("VISIBLE").contains("done");
        assertThat(r.stdout()).doesNotContain("shadow").doesNotContain("sudoers").doesNotContain("machine-id")
                .doesNotContain("ssh\n").contains("passwd");
    }

    @Test
    void passwdNamesOnlyTheSandboxUser() throws Exception {
        Cli.Result r = sh("cat /etc/passwd; hostname", "--mount", rw + ":rw");
        assertThat(r.stdout()).contains("/sessions/").contains("palisade").doesNotContain("ptest");
    }

    @Test
    void denyReadPathsAreInvisible() throws Exception {
        Files.createDirectories(rw.resolve("secrets"));
        Files.writeString(rw.resolve("secrets/key.pem"), "PRIVATE");
        Files.writeString(rw.resolve(".env"), "TOKEN=abc");
        Path policy = Files.writeString(tmp.resolve("policy.json"),
                "{\"filesystem\": {\"denyRead\": [\"secrets\", \"" + rw.resolve(".env") + "\"]}}");
        Cli.Result r = sh("ls secrets; cat secrets/key.pem .env; echo end", "--policy", policy.toString(),
                "--mount", rw + ":rw");
        assertThat(r.stdout()).doesNotContain("PRIVATE").doesNotContain("TOKEN").doesNotContain("key.pem").contains("end");
        assertThat(Files.readString(rw.resolve("secrets/key.pem"))).isEqualTo("PRIVATE");
    }

    @Test
    void denyWriteMakesAPathReadOnlyEvenBeforeItExists() throws Exception {
        Files.writeString(rw.resolve("locked.txt"), "keep");
        Path policy = Files.writeString(tmp.resolve("policy.json"),
                "{\"filesystem\": {\"denyWrite\": [\"locked.txt\", \"later.txt\"]}}");
        Cli.Result r = sh("echo bad > locked.txt; echo bad > later.txt; echo ok > fine.txt", "--policy", policy.toString(),
                "--mount", rw + ":rw");
        assertThat(Files.readString(rw.resolve("locked.txt"))).isEqualTo("keep");
        assertThat(rw.resolve("later.txt")).doesNotExist();
        assertThat(Files.readString(rw.resolve("fine.txt"))).isEqualTo("ok\n");
        assertThat(r.stderr()).contains("locked.txt").contains("later.txt");
    }

    @Test
    void allowWriteOpensASubfolderOfAReadOnlyFolder() throws Exception {
        Path out = Files.createDirectory(ro.resolve("out"));
        Path policy = Files.writeString(tmp.resolve("policy.json"),
                "{\"filesystem\": {\"allowWrite\": [\"" + out + "\"]}}");
        Cli.Result r = sh("echo yes > out/w.txt; echo no > n.txt", "--policy", policy.toString(), "--mount", ro.toString());
        assertThat(Files.readString(out.resolve("w.txt"))).isEqualTo("yes\n");
        assertThat(ro.resolve("n.txt")).doesNotExist();
    }

    @Test
    void protectedPathsCannotBeCreatedEvenAfterRenamingTheirParentThroughTheFileGuard() throws Exception {
        Cli.Result r = attackProtectedPaths();
        assertThat(r.stderr()).contains("mv: cannot move '.git' to '.g': Permission denied");
    }

    @Test
    void protectedPathsCannotBeCreatedEvenAfterRenamingTheirParentWithBindMasks() throws Exception {
        Cli.Result r = attackProtectedPaths("--no-file-guard");
        assertThat(r.stderr()).contains("Device or resource busy");
    }

    private Cli.Result attackProtectedPaths(String... extra) throws Exception {
        Files.createDirectories(rw.resolve(".git/hooks"));
        String[] args = java.util.Arrays.copyOf(extra, extra.length + 2);
        args[extra.length] = "--mount";
        args[extra.length + 1] = rw + ":rw";
        Cli.Result r = sh("echo evil > .git/hooks/pre-commit; mkdir -p .claude; echo {} > .claude/settings.json;"
                + " mv .git .g; echo mv=$?; echo evil > .g/hooks/pre-commit; echo evil > .mcp.json;"
                + " echo evil > .bashrc; echo end", args);
        assertThat(r.stdout()).contains("mv=1").contains("end");
        assertThat(rw.resolve(".git/hooks/pre-commit")).doesNotExist();
        assertThat(rw.resolve(".g")).doesNotExist();
        assertThat(rw.resolve(".claude")).doesNotExist();
        assertThat(rw.resolve(".mcp.json")).doesNotExist();
        assertThat(rw.resolve(".bashrc")).doesNotExist();
        return r;
    }

    @Test
    void undoRestoresARemovedRepositoryAndATruncatedFileByteForByte() throws Exception {
        Files.createDirectories(rw.resolve("src"));
        Files.writeString(rw.resolve("src/main.c"), "int main(void) { return 0; }\n");
        Process init = new ProcessBuilder("sh", "-c", "git init -q . && git add . && git -c user.name=a"
                + " -c user.email=a@b.c commit -qm one").directory(rw.toFile()).start();
        assertThat(init.waitFor()).isZero();
        String head = Files.readString(rw.resolve(".git/HEAD"));
        String session = "undo-" + ProcessHandle.current().pid() + "-" + System.nanoTime() % 100000;
        Cli.Result r = sh("rm -rf .git; > src/main.c; ls -a; cat src/main.c | wc -c", "--session", session,
                "--mount", rw + ":rw");
        assertThat(r.stdout()).doesNotContain("HEAD");
        assertThat(Files.size(rw.resolve("src/main.c"))).isZero();
        Cli.Result undo = Cli.run(tmp, "undo", session);
        assertThat(undo.status()).as(undo.stderr()).isZero();
        assertThat(Files.readString(rw.resolve("src/main.c"))).isEqualTo("int main(void) { return 0; }\n");
        assertThat(Files.readString(rw.resolve(".git/HEAD"))).isEqualTo(head);
        Process fsck = new ProcessBuilder("git", "fsck", "--full").directory(rw.toFile()).redirectErrorStream(true).start();
        String fsckOut = new String(fsck.getInputStream().readAllBytes());
        assertThat(fsck.waitFor()).as(fsckOut).isZero();
    }

    @Test
    void blockedFileTypesAreRefusedWithAViolationEvent() throws Exception {
        Path events = tmp.resolve("guard-events.jsonl");
        Files.writeString(rw.resolve("notes.txt"), "n");
        Cli.Result r = sh("touch setup.exe; mv notes.txt payload.JAR; echo ok > fine.txt", "--events", events.toString(),
                "--mount", rw + ":rw");
        assertThat(r.stderr()).contains("setup.exe").contains("Permission denied");
        assertThat(rw.resolve("setup.exe")).doesNotExist();
        assertThat(rw.resolve("payload.JAR")).doesNotExist();
        assertThat(Files.readString(rw.resolve("fine.txt"))).isEqualTo("ok\n");
        assertThat(Files.readString(events)).contains("\"layer\":\"filesystem\"").contains(rw.resolve("setup.exe").toString())
                .contains("\"type\":\"file\"");
    }

    @Test
    void gitCommitStillWorksInAProtectedRepository() throws Exception {
        Process init = new ProcessBuilder("git", "init", "-q", rw.toString()).inheritIO().start();
        assertThat(init.waitFor()).isZero();
        Cli.Result r = sh("echo one > f.txt && git add f.txt && git -c user.name=a -c user.email=a@b.c commit -qm one"
                + " && git log --oneline && git status --short", "--mount", rw + ":rw");
        assertThat(r.status()).as(r.stderr()).isZero();
        assertThat(r.stdout()).contains("one");
        assertThat(rw.resolve(".git/hooks/pre-commit")).doesNotExist();
    }

    @Test
    void placeholdersForMissingProtectedPathsAreRemovedAfterTheRun() throws Exception {
        Cli.Result r = sh("ls -a", "--no-file-guard", "--mount", rw + ":rw");
        assertThat(r.stdout()).contains(".claude");
        try (var entries = Files.list(rw)) {
            assertThat(entries.toList()).isEmpty();
        }
    }

    @Test
    void homeIsAPrivateScratchFolder() throws Exception {
        Cli.Result r = sh("echo $HOME; touch $HOME/scratch && echo made; touch /newfile 2>&1 || echo rootro",
                "--mount", rw + ":rw");
        assertThat(r.stdout()).contains("made").contains("rootro");
        Cli.Result again = sh("ls $HOME", "--mount", rw + ":rw");
        assertThat(again.stdout()).doesNotContain("scratch");
    }

    @Test
    void allowDomainBridgesTheProxyAndItRefusesOtherDomains() throws Exception {
        Prerequisites.requireExecutable("socat");
        Path events = tmp.resolve("events.jsonl");
        Cli.Result r = sh("echo proxy=$HTTP_PROXY; curl -s -o /dev/null -w 'code=%{http_code}\\n' http://denied.example/;"
                + " echo end",
                "--allow-domain", "allowed.example", "--events", events.toString(), "--mount", rw + ":rw");
        assertThat(r.stdout()).contains("proxy=http://127.0.0.1:3128").contains("code=403")
                .contains("end");
        assertThat(Files.readString(events)).contains("\"type\":\"violation\"").contains("\"layer\":\"network\"")
                .contains("denied.example");
    }

    @Test
    void theDefaultSeccompProfileAppliesToEveryRun() throws Exception {
        Cli.Result r = sh("grep Seccomp: /proc/self/status; unshare -U true && echo NESTED-USERNS; echo end",
                "--mount", rw + ":rw");
        assertThat(r.stdout()).contains("Seccomp:\t2").doesNotContain("NESTED-USERNS").contains("end");
    }

    @Test
    void noNetworkAtAll() throws Exception {
        Cli.Result r = sh("cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d ' '; "
                + "(echo > /dev/tcp/127.0.0.1/22) 2>/dev/null && echo CONNECTED; echo end", "--mount", rw + ":rw");
        assertThat(r.stdout().trim().lines().toList()).containsExactly("lo", "end");
    }
}
