package dev.palisade.seccomp;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import dev.palisade.sandbox.RuntimeDirs;

/**
 * Compiled programs kept in the user's private runtime folder ({@code RuntimeDirs.base()/seccomp},
 * mode 0700), keyed by a SHA-256 of the profile text and the settings. A launch whose profile is
 * unchanged then needs neither the JSON parser nor libseccomp: in a fresh JVM those two cost far
 * more than the 3 ms start-up budget (class loading and FFM linking), while reading a file does not.
 *
 * <p>Only the user (and root) can write the folder; the kernel verifies any program it loads. The
 * folder lives in {@code $XDG_RUNTIME_DIR} (cleared at reboot), so a libseccomp upgrade takes
 * effect after a reboot or after deleting the folder.
 */
final class ProgramCache {
    private static final System.Logger LOG = System.getLogger("palisade");
    private static final int MAX_PROGRAM = 1 << 20;
    private static final String FORMAT = "palisade-seccomp-cache-v1";

    private ProgramCache() {
    }

    static String key(byte[] profileText, boolean allowUnixSockets, byte[] ownFilterText) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update((FORMAT + "\0" + System.getProperty("os.arch") + "\0" + allowUnixSockets + "\0")
                    .getBytes(StandardCharsets.UTF_8));
            d.update(profileText);
            d.update((byte) 0);
            d.update(ownFilterText);
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is mandatory in every JDK", e);
        }
    }

    /** The cached programs, or empty when absent or unreadable (then they are compiled again). */
    static Optional<List<byte[]>> read(String key) {
        try {
            byte[] all = Files.readAllBytes(dir().resolve(key + ".bpf"));
            DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(all));
            int count = in.readInt();
            if (count < 1 || count > 8) {
                return Optional.empty();
            }
            List<byte[]> programs = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int len = in.readInt();
                if (len <= 0 || len > MAX_PROGRAM || len % 8 != 0) {
                    return Optional.empty();
                }
                programs.add(in.readNBytes(len));
                if (programs.getLast().length != len) {
                    return Optional.empty();
                }
            }
            return in.available() == 0 ? Optional.of(programs) : Optional.empty();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "seccomp program cache unreadable: " + e);
            return Optional.empty();
        }
    }

    /** Stores programs; failures only cost the next launch a compile. */
    static void write(String key, List<byte[]> programs) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(programs.size());
            for (byte[] p : programs) {
                out.writeInt(p.length);
                out.write(p);
            }
            Path dir = dir();
            Path tmp = Files.createTempFile(dir, key, ".tmp");
            Files.write(tmp, bytes.toByteArray());
            Files.move(tmp, dir.resolve(key + ".bpf"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "seccomp program cache not written: " + e);
        }
    }

    static Path dir() throws IOException {
        return RuntimeDirs.privateDir(RuntimeDirs.base().resolve("seccomp"));
    }
}
