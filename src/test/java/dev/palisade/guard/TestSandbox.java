package dev.palisade.guard;

import dev.palisade.testing.Prerequisites;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a shell script inside a real bwrap sandbox that binds a guarded mount point as its folder. */
final class TestSandbox {
    /** Where the folder appears inside, as the launcher will place it. */
    static final String INSIDE = "/sessions/test-session/mnt/F";

    record Result(int status, String output) {
    }

    private TestSandbox() {
    }

    static Result run(Path mountpoint, String script, Path... roBinds) throws IOException, InterruptedException {
        Process p = start(mountpoint, script, roBinds);
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("sandbox did not finish: " + new String(out, StandardCharsets.UTF_8));
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** Starts the sandbox; stdout and stderr merged, stdin closed. */
    static Process start(Path mountpoint, String script, Path... roBinds) throws IOException {
        Path bwrap = Prerequisites.requireExecutable("bwrap");
        List<String> cmd = new ArrayList<>(List.of(bwrap.toString(),
                "--unshare-all", "--die-with-parent", "--new-session",
                "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin",
                "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
                "--ro-bind", "/etc", "/etc", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
                "--bind", mountpoint.toString(), INSIDE, "--chdir", INSIDE,
                "--setenv", "HOME", "/tmp", "--setenv", "PATH", "/usr/bin:/bin",
                "--setenv", "GIT_AUTHOR_NAME", "t", "--setenv", "GIT_AUTHOR_EMAIL", "t@example.com",
                "--setenv", "GIT_COMMITTER_NAME", "t", "--setenv", "GIT_COMMITTER_EMAIL", "t@example.com"));
        for (Path p : roBinds) {
            cmd.addAll(List.of("--ro-bind", p.toString(), "/in/" + p.getFileName()));
        }
        cmd.addAll(List.of("/bin/sh", "-c", script));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE)
                .start();
        p.getOutputStream().close();
        return p;
    }
}
