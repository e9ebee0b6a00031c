package dev.palisade.seccomp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.palisade.testing.Prerequisites;

/**
 * Ordinary work keeps running under the default profile with named Unix sockets denied (the
 * strictest setting), in a real sandbox started by Palisade's launcher.
 */
@Tag("sandbox")
@Timeout(240)
class OrdinaryWorkTest {
    @TempDir
    Path tmp;

    private LauncherHarness.Result runUnderDefault(String script) throws Exception {
        SeccompFilter filter = SeccompFilter.create(SeccompProfile.defaultProfile(), false);
        return new LauncherHarness(tmp).run(List.of(filter), List.of("/bin/bash", "-euo", "pipefail", "-c", script));
    }

    private void assertRuns(String script, String expectedOutput) throws Exception {
        LauncherHarness.Result r = runUnderDefault(script);
        assertThat(r.exitCode()).as("exit status; stderr:%n%s", r.stderr()).isZero();
        assertThat(r.stdout()).contains(expectedOutput);
    }

    @Test
    void bashAndCoreutilsWork() throws Exception {
        assertRuns("""
                mkdir -p d/e && printf 'b\\na\\n' > d/e/f && sort d/e/f | tr -d '\\n'; echo
                cp d/e/f g && mv g h && ln -s h l && cat l | wc -l && sha256sum h | cut -c1-8
                ls -la d/e | grep -c f; rm -r d h l; echo $((6*7)) >> /dev/stdout; date +%Y >/dev/null
                sleep 0.1 & wait; (echo sub) | cat; id -u >/dev/null; seq 3 | xargs -n1 echo | paste -sd,
                """, "ab\n2\n");
        assertRuns("echo via-proc-fd >> /dev/stdout; echo after", "via-proc-fd\nafter\n");
    }

    @Test
    void python3WithThreadsSubprocessesAndSocketpairsWorks() throws Exception {
        assertRuns("""
                /usr/bin/python3 - <<'PY'
                import multiprocessing, socket, subprocess, threading, os, tempfile
                a, b = socket.socketpair()
                a.sendall(b"pair"); print(b.recv(4).decode())
                t = threading.Thread(target=lambda: print("thread")); t.start(); t.join()
                print(subprocess.run(["echo", "child"], capture_output=True, text=True).stdout.strip())
                with multiprocessing.Pool(2) as p: print(sum(p.map(abs, [-1, -2, 3])))
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM); s.bind(("127.0.0.1", 0)); s.listen()
                c = socket.create_connection(s.getsockname()); conn, _ = s.accept(); c.sendall(b"tcp"); print(conn.recv(3).decode())
                PY
                """, "pair\nthread\nchild\n6\ntcp\n");
    }

    @Test
    void gccBuildsABinaryThatRuns() throws Exception {
        Prerequisites.requireExecutable("gcc");
        assertRuns("""
                cat > hello.c <<'C'
                #include <pthread.h>
                #include <stdio.h>
                static void *run(void *a) { puts("from thread"); return a; }
                int main(void) { pthread_t t; pthread_create(&t, 0, run, 0); pthread_join(t, 0); puts("hello"); return 0; }
                C
                gcc -O2 -pthread -o hello hello.c && ./hello
                """, "from thread\nhello\n");
    }

    @Test
    void gitCommitStatusAndLogWork() throws Exception {
        Prerequisites.requireExecutable("git");
        assertRuns("""
                export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
                git init -q -b main repo && cd repo && echo one > a && git add a && git commit -qm first
                echo two >> a && git status --short && git commit -qam second && git log --oneline | wc -l
                git diff HEAD~1 --stat | tail -1
                """, " M a\n2\n");
    }

    @Test
    void makeAndTarWork() throws Exception {
        Prerequisites.requireExecutable("make");
        assertRuns("""
                printf 'all: out\\nout: in\\n\\tcp in out\\n' > Makefile && echo data > in && make -s -j2 && cat out
                tar czf t.tgz Makefile in out && mkdir x && tar xzf t.tgz -C x && cat x/out
                """, "data\ndata\n");
    }

    @Test
    void nodeRunsWithItsChildProcessPlumbing() throws Exception {
        Prerequisites.requireExecutable("node");
        assertRuns("""
                node -e 'const cp=require("child_process"); const r=cp.spawnSync("echo",["node-child"]);
                  process.stdout.write(r.stdout); require("fs").writeFileSync("f","x");
                  setTimeout(()=>console.log("timer"),10)'
                """, "node-child\ntimer\n");
    }

    @Test
    void javaRunsASourceFileProgram() throws Exception {
        Prerequisites.requireExecutable("java");
        assertRuns("""
                cat > Hello.java <<'J'
                public class Hello { public static void main(String[] a) throws Exception {
                  Thread t = new Thread(() -> System.out.println("java-thread")); t.start(); t.join();
                  Process p = new ProcessBuilder("echo", "java-child").inheritIO().start(); p.waitFor();
                } }
                J
                java -Xshare:auto Hello.java
                """, "java-thread\njava-child\n");
    }

    @Test
    void onlyStdioReachesTheSandboxAndBwrapInitIsFilteredToo() throws Exception {
        // The seccomp memfds are passed to bwrap as fds 3 and 4 (next to the launcher's info and
        // block pipes); bwrap must consume and close them all, and its pid-1 init must run under
        // the filters as well.
        assertRuns("""
                ls /proc/self/fd | sort -n | paste -sd' '
                grep -h '^Seccomp_filters' /proc/1/status /proc/self/status
                """, "0 1 2 3\nSeccomp_filters:\t2\nSeccomp_filters:\t2\n");
    }
}
