package dev.palisade.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Puts the Java guest agent into the initramfs: a jlink'd runtime of {@code java.base} (with a CDS
 * archive, since the JVM starts in an emulated CPU), the glibc it links against, and the Palisade
 * classes (a jar or a classes directory) under {@code /opt/palisade}.
 *
 * @param javaHome the JDK whose jlink and modules are used
 * @param classes the Palisade jar or classes directory
 * @param jlinkCache where to keep the jlink output between builds, or null to build it each time
 */
public record AgentRuntime(Path javaHome, Path classes, Path jlinkCache) {
    /** Where the runtime lives in the guest. */
    static final String JAVA_DIR = "opt/palisade/java";
    private static final List<String> LIBS = List.of("libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0",
            "librt.so.1");
    private static final Path LIBDIR = Path.of("/lib/x86_64-linux-gnu");

    /** The runtime of this JVM and the classes this code was loaded from. */
    public static AgentRuntime ofThisJvm(Path jlinkCache) throws ImageException {
        try {
            Path classes = Path.of(AgentRuntime.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return new AgentRuntime(Path.of(System.getProperty("java.home")), classes, jlinkCache);
        } catch (java.net.URISyntaxException | NullPointerException e) {
            throw new ImageException("cannot tell where the Palisade classes were loaded from", e);
        }
    }

    void addTo(CpioWriter cpio) throws IOException {
        Path jre = jlink();
        for (String d : List.of("opt", "opt/palisade", "lib64", "lib/x86_64-linux-gnu")) {
            cpio.directory(d);
        }
        addTree(cpio, jre, JAVA_DIR);
        cpio.file("lib64/ld-linux-x86-64.so.2", 0755, Files.readAllBytes(Path.of("/lib64/ld-linux-x86-64.so.2")
                .toRealPath()));
        for (String lib : LIBS) {
            cpio.file("lib/x86_64-linux-gnu/" + lib, 0755, Files.readAllBytes(LIBDIR.resolve(lib).toRealPath()));
        }
        if (Files.isDirectory(classes)) {
            addTree(cpio, classes, "opt/palisade/classes");
        } else {
            cpio.file("opt/palisade/palisade.jar", 0644, Files.readAllBytes(classes));
        }
    }

    private Path jlink() throws IOException {
        Path out = jlinkCache != null ? jlinkCache.resolve("java-" + Runtime.version()) : null;
        if (out != null && Files.isExecutable(out.resolve("bin/java"))) {
            return out;
        }
        Path tmp = Files.createTempDirectory(jlinkCache != null ? Files.createDirectories(jlinkCache)
                : Path.of(System.getProperty("java.io.tmpdir")), ".jlink-");
        Path jre = tmp.resolve("jre");
        Path jlink = javaHome.resolve("bin/jlink");
        if (!Files.isExecutable(jlink)) {
            throw new ImageException("no jlink in " + javaHome + " (a full JDK is needed to build the agent runtime)");
        }
        Process p = new ProcessBuilder(jlink.toString(), "--add-modules", "java.base", "--strip-debug",
                "--no-man-pages", "--no-header-files", "--generate-cds-archive", "--output", jre.toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new ImageException("jlink failed: " + log);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new ImageException("interrupted while running jlink");
        }
        // Only used with -XX:-UseCompressedOops; 14 MB the guest never reads.
        Files.deleteIfExists(jre.resolve("lib/server/classes_nocoops.jsa"));
        if (out == null) {
            return jre;
        }
        try {
            Files.move(jre, out);
        } catch (java.nio.file.FileAlreadyExistsException raced) {
            // Another build cached it first.
        } finally {
            Trees.deleteQuietly(tmp);
        }
        return out;
    }

    private static void addTree(CpioWriter cpio, Path root, String at) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted().toList()) {
                String rel = root.relativize(p).toString();
                String name = rel.isEmpty() ? at : at + "/" + rel;
                if (Files.isDirectory(p)) {
                    cpio.directory(name);
                } else if (Files.isRegularFile(p)) {
                    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
                    cpio.file(name, perms.contains(PosixFilePermission.OWNER_EXECUTE) ? 0755 : 0644,
                            Files.readAllBytes(p));
                }
            }
        }
    }
}
