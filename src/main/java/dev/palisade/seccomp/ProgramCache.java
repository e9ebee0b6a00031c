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
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.palisade.sandbox.RuntimeDirs;

/**
 * Compiled programs kept in the user's private runtime folder ({@code RuntimeDirs.base()/seccomp},
 * mode 0700), keyed by the exact profile text and settings. A launch whose profile is
 * unchanged then needs neither the JSON parser nor libseccomp: in a fresh JVM those two cost far
 * more than the 3 ms start-up budget (class loading and FFM linking), while reading a file does not.
 *
 * <p>Only the user (and root) can write the folder; the kernel verifies any program it loads. The
 * folder lives in {@code $XDG_RUNTIME_DIR} (cleared at reboot), so a libseccomp upgrade takes
 * effect after a reboot or after deleting the folder.
 */
final class ProgramCache {
    private static final int MAX_PROGRAM = 1 << 20;
    private static final String FORMAT = "palisade-seccomp-cache-v1";

    private ProgramCache() {
    }

    /**
     * The cache key: the exact bytes the programs were compiled from (format, architecture, the
     * Unix-socket setting, the profile text and Palisade's own filter text). Stored in the file
     * and compared byte for byte on reading, so no cryptographic hash (and no JCA start-up) is
     * needed; the file name is a CRC-32 of it.
     */
    record Key(byte[] material) {
        String fileName() {
            java.util.zip.CRC32 crc = new java.util.zip.CRC32();
            crc.update(material);
            // Not String.format: its first use costs tens of milliseconds of class loading.
            return Long.toHexString(crc.getValue()) + "-" + material.length + ".bpf";
        }
    }

    static Key key(byte[] profileText, boolean allowUnixSockets, byte[] ownFilterText) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes((FORMAT + "\0" + System.getProperty("os.arch") + "\0" + allowUnixSockets + "\0")
                .getBytes(StandardCharsets.UTF_8));
        b.writeBytes(profileText);
        b.write(0);
        b.writeBytes(ownFilterText);
        return new Key(b.toByteArray());
    }

    /** The cached programs, or empty when absent or unreadable (then they are compiled again). */
    static Optional<List<byte[]>> read(Key key) {
        try {
            byte[] all = Files.readAllBytes(dir().resolve(key.fileName()));
            DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(all));
            int keyLength = in.readInt();
            if (keyLength != key.material().length
                    || !java.util.Arrays.equals(in.readNBytes(keyLength), key.material())) {
                return Optional.empty();
            }
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
            System.getLogger("palisade").log(System.Logger.Level.DEBUG, "seccomp program cache unreadable: " + e);
            return Optional.empty();
        }
    }

    /** Stores programs; failures only cost the next launch a compile. */
    static void write(Key key, List<byte[]> programs) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(key.material().length);
            out.write(key.material());
            out.writeInt(programs.size());
            for (byte[] p : programs) {
                out.writeInt(p.length);
                out.write(p);
            }
            Path dir = dir();
            Path tmp = Files.createTempFile(dir, "program", ".tmp");
            Files.write(tmp, bytes.toByteArray());
            Files.move(tmp, dir.resolve(key.fileName()), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            System.getLogger("palisade").log(System.Logger.Level.DEBUG, "seccomp program cache not written: " + e);
        }
    }

    static Path dir() throws IOException {
        return RuntimeDirs.privateDir(RuntimeDirs.base().resolve("seccomp"));
    }
}
