package dev.palisade.image;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes a cpio archive in the "newc" format the kernel unpacks as an initramfs
 * (Documentation/driver-api/early-userspace/buffer-format.rst): a 110-byte ASCII header of
 * hex fields, the NUL-terminated name, data, each padded to 4 bytes; ends with TRAILER!!!.
 * Owner is always root and mtime 0, so the same inputs give the same bytes.
 */
final class CpioWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private int inode = 1;

    private final java.util.Set<String> dirs = new java.util.HashSet<>();

    void directory(String name) {
        if (dirs.add(name)) {
            entry(name, 0040755, 0, 0, new byte[0]);
        }
    }

    private final java.util.Map<String, byte[]> files = new java.util.HashMap<>();

    /**
     * Adds a regular file. The same name twice with the same bytes is written once (the agent's
     * runtime and the guest tools share glibc); with other bytes it is an error.
     */
    void file(String name, int perms, byte[] data) {
        byte[] had = files.putIfAbsent(name, data);
        if (had != null) {
            if (!java.util.Arrays.equals(had, data)) {
                throw new IllegalStateException("initramfs file " + name + " added twice with different contents");
            }
            return;
        }
        entry(name, 0100000 | perms, 0, 0, data);
    }

    /** Whether a regular file of that name was added. */
    boolean has(String name) {
        return files.containsKey(name);
    }

    void charDevice(String name, int perms, int major, int minor) {
        entry(name, 0020000 | perms, major, minor, new byte[0]);
    }

    byte[] finish() {
        entry("TRAILER!!!", 0, 0, 0, new byte[0]);
        return out.toByteArray();
    }

    private void entry(String name, int mode, int rdevMajor, int rdevMinor, byte[] data) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        StringBuilder h = new StringBuilder("070701");
        int[] fields = {inode++, mode, 0, 0, (mode & 0040000) != 0 ? 2 : 1, 0, data.length, 0, 0, rdevMajor, rdevMinor,
            n.length + 1, 0};
        for (int f : fields) {
            h.append(String.format("%08x", f));
        }
        out.writeBytes(h.toString().getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(n);
        out.write(0);
        pad();
        out.writeBytes(data);
        pad();
    }

    private void pad() {
        while (out.size() % 4 != 0) {
            out.write(0);
        }
    }
}
