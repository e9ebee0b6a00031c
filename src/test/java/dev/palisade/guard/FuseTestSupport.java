package dev.palisade.guard;

import dev.palisade.testing.Prerequisites;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Shared helpers of the FUSE tests: prerequisites, host commands, checksums. */
final class FuseTestSupport {
    private FuseTestSupport() {
    }

    static void requireFuse() {
        Prerequisites.require(GuardedFolder.findLibfuse() != null, "libfuse3.so.3 (Debian libfuse3-3)");
        Prerequisites.require(Files.exists(Path.of("/dev/fuse")), "/dev/fuse");
        if (!Prerequisites.isRoot()) {
            Prerequisites.require(Prerequisites.which("fusermount3") != null, "fusermount3 (Debian fuse3)");
        }
        Prerequisites.requireExecutable("bwrap");
    }

    /** Runs a host command in {@code dir}; returns its output, failing the test on a non-zero exit. */
    static String host(Path dir, String... cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().putAll(Map.of("GIT_AUTHOR_NAME", "h", "GIT_AUTHOR_EMAIL", "h@example.com",
                "GIT_COMMITTER_NAME", "h", "GIT_COMMITTER_EMAIL", "h@example.com", "HOME", dir.toString()));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** relative path → SHA-256 of every regular file below {@code root} (symlinks as "->target"). */
    static Map<String, String> sums(Path root, List<String> skipTopLevel) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String rel = root.relativize(p).toString();
                if (rel.isEmpty() || skipTopLevel.contains(rel.split("/")[0])) {
                    continue;
                }
                if (Files.isSymbolicLink(p)) {
                    out.put(rel, "->" + Files.readSymbolicLink(p));
                } else if (Files.isRegularFile(p)) {
                    out.put(rel, sha256(Files.readAllBytes(p)));
                } else if (Files.isDirectory(p)) {
                    out.put(rel + "/", "dir");
                }
            }
        }
        return out;
    }
}
