package dev.palisade.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real {@code palisade} command line in a separate JVM, as a user would: its own process,
 * its own signals, its own exit status.
 */
public final class Cli {
    private Cli() {
    }

    /** What a run printed and returned. */
    public record Result(int status, String stdout, String stderr) {
    }

    /** The command line that starts the launcher's JVM, before the palisade arguments. */
    public static List<String> javaCommand() {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.palisade.cli.Main");
        return cmd;
    }

    /** Starts the launcher with its output captured to pipes. */
    public static Process start(Path dir, String... args) throws IOException {
        List<String> cmd = javaCommand();
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        return pb.start();
    }

    /** Runs the launcher to completion (stdin closed) and returns what it printed. */
    public static Result run(Path dir, String... args) throws IOException, InterruptedException {
        Process p = start(dir, args);
        p.getOutputStream().close();
        byte[][] errBytes = new byte[1][];
        Thread err = Thread.ofVirtual().start(() -> {
            try {
                errBytes[0] = p.getErrorStream().readAllBytes();
            } catch (IOException e) {
                errBytes[0] = ("<stderr read failed: " + e + ">").getBytes(StandardCharsets.UTF_8);
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("palisade did not finish within 60 s");
        }
        err.join();
        return new Result(p.exitValue(), out, new String(errBytes[0], StandardCharsets.UTF_8));
    }
}
