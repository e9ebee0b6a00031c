package dev.palisade.image;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.palisade.seccomp.SeccompFilter;

/**
 * What the guest needs to confine its commands the way the namespace tier does: bubblewrap from
 * the host's Debian {@code bubblewrap} package and setpriv(1) from {@code util-linux} (the guest
 * agent runs each command's bwrap as the host user's uid through it; busybox's setpriv has no
 * {@code --reuid}), each with every shared library it loads, and the seccomp
 * programs of the default policy, compiled here on the host from the same profile (so the guest
 * needs no libseccomp and no compiler; the kernel verifies the programs when bwrap loads them).
 */
final class GuestTools {
    /** Where bwrap lives on the host and in the guest. */
    static final Path BWRAP = Path.of("/usr/bin/bwrap");
    /** Where setpriv lives on the host and in the guest. */
    static final Path SETPRIV = Path.of("/usr/bin/setpriv");
    /** The dynamic loader of x86-64 glibc binaries; also lists their libraries ({@code --list}, ld.so(8)). */
    static final Path LOADER = Path.of("/lib64/ld-linux-x86-64.so.2");
    private static final Pattern LIB = Pattern.compile("^\\s*(?:\\S+ => )?(/\\S+) \\(0x[0-9a-f]+\\)$");

    private GuestTools() {
    }

    /**
     * Adds bwrap, setpriv, their libraries and the seccomp programs to the initramfs.
     *
     * @return what was added, for the manifest
     * @throws ImageException naming the Debian package when bwrap or setpriv is missing, or when the libraries
     *     cannot be resolved or the programs cannot be compiled
     */
    static List<GuestFile> addTo(CpioWriter cpio) throws IOException {
        if (!Files.isExecutable(BWRAP)) {
            throw new ImageException("no " + BWRAP + " on the host (apt-get install bubblewrap)");
        }
        if (!Files.isExecutable(SETPRIV)) {
            throw new ImageException("no " + SETPRIV + " on the host (apt-get install util-linux)");
        }
        List<GuestFile> added = new ArrayList<>();
        for (String d : List.of("usr", "usr/bin", "lib", "lib64", "lib/x86_64-linux-gnu", "etc", "etc/palisade",
                "etc/palisade/seccomp")) {
            cpio.directory(d);
        }
        for (Path tool : List.of(BWRAP, SETPRIV)) {
            added.add(copy(cpio, tool, 0755));
            for (Path lib : libraries(tool)) {
                if (!cpio.has(lib.toString().substring(1))) {
                    added.add(copy(cpio, lib, 0755));
                }
            }
        }
        List<byte[]> programs;
        try {
            programs = SeccompFilter.defaultPrograms();
        } catch (dev.palisade.seccomp.SeccompException e) {
            throw new ImageException("compiling the default seccomp profile for the guest failed: " + e.getMessage(), e);
        }
        for (int i = 0; i < programs.size(); i++) {
            String name = "etc/palisade/seccomp/" + i + ".bpf";
            cpio.file(name, 0644, programs.get(i));
            added.add(new GuestFile(name, "seccomp profile 'default', program " + i, programs.get(i).length,
                    Sha256.hex(programs.get(i))));
        }
        return added;
    }

    private static GuestFile copy(CpioWriter cpio, Path file, int mode) throws IOException {
        String name = file.toString().substring(1);
        Path real = file.toRealPath();
        byte[] data = Files.readAllBytes(real);
        if (!cpio.has(name)) {
            cpio.file(name, mode, data);
        }
        return new GuestFile(name, real.toString(), data.length, Sha256.hex(data));
    }

    /**
     * The shared libraries an ELF binary loads, with the loader itself, as the loader resolves them
     * on this host ({@code ld.so --list}, the mechanism behind ldd(1)).
     */
    static List<Path> libraries(Path binary) throws IOException {
        Process p = new ProcessBuilder(LOADER.toString(), "--list", binary.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new ImageException("cannot list the libraries of " + binary + ": " + out.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ImageException("interrupted listing the libraries of " + binary);
        }
        Set<Path> libs = new LinkedHashSet<>();
        for (String line : out.split("\n")) {
            if (line.contains("not found")) {
                throw new ImageException(binary + " needs a library that is not installed: " + line.strip());
            }
            Matcher m = LIB.matcher(line);
            if (m.matches()) {
                libs.add(Path.of(m.group(1)));
            }
        }
        if (libs.stream().noneMatch(l -> l.getFileName().toString().startsWith("libc.so"))) {
            throw new ImageException("the loader listed no libc for " + binary + ": " + out.strip());
        }
        return List.copyOf(libs);
    }
}
