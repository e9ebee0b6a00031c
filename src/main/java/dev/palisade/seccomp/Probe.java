package dev.palisade.seccomp;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The seccomp probe: {@code probe.c} (a resource) compiled with gcc into a fresh directory, and
 * the parser for its {@code NAME<TAB>RESULT} lines.
 *
 * @param dir the directory holding the binary (readable by everyone, so it can be bound into a
 *        sandbox that runs as another user)
 * @param binary the executable
 */
record Probe(Path dir, Path binary) {
    private static final long GCC_TIMEOUT_SECONDS = 120;

    /**
     * Compiles the probe.
     *
     * @param parent where to create the probe's directory
     * @return the probe
     * @throws IOException if gcc is missing or fails
     * @throws InterruptedException if interrupted while compiling
     */
    static Probe build(Path parent) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory(parent, "palisade-probe",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Path src = dir.resolve("probe.c");
        try (InputStream in = Probe.class.getResourceAsStream("probe.c")) {
            if (in == null) {
                throw new IOException("probe.c resource missing");
            }
            Files.write(src, in.readAllBytes());
        }
        Path bin = dir.resolve("probe");
        Process gcc = new ProcessBuilder("gcc", "-O1", "-o", bin.toString(), src.toString())
                .redirectErrorStream(true).start();
        String out = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!gcc.waitFor(GCC_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            gcc.destroyForcibly();
            throw new IOException("gcc timed out compiling the probe");
        }
        if (gcc.exitValue() != 0) {
            throw new IOException("gcc failed compiling the probe: " + out);
        }
        return new Probe(dir, bin);
    }

    /**
     * Whether this kernel runs i386 code from a 64-bit process (asked on the host, unfiltered).
     *
     * @return true if {@code int 0x80} reaches the kernel's i386 syscall table
     * @throws IOException if the probe cannot run
     * @throws InterruptedException if interrupted
     */
    boolean ia32Abi() throws IOException, InterruptedException {
        Process p = new ProcessBuilder(binary.toString(), "--ia32").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        p.waitFor(10, TimeUnit.SECONDS);
        return out.equals("yes");
    }

    /**
     * The command line that runs every attempt, with the probe's directory at {@code insideDir}
     * and the host sockets named {@code stream.sock} and {@code dgram.sock} in it.
     */
    static List<String> command(String insideDir) {
        return List.of(insideDir + "/probe", insideDir + "/stream.sock", insideDir + "/dgram.sock");
    }

    /**
     * Parses the probe's output.
     *
     * @param output the lines
     * @return attempt name → result, in output order
     */
    static Map<String, String> parse(String output) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            int tab = line.indexOf('\t');
            if (tab > 0) {
                m.put(line.substring(0, tab), line.substring(tab + 1).strip());
            }
        }
        return m;
    }
}
