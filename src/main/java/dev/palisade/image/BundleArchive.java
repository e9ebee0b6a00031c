package dev.palisade.image;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;

/**
 * A bundle as one file: a POSIX ustar archive (pax/ustar in IEEE Std 1003.1) holding
 * {@code manifest.json} and {@code parts/*.zst}, uncompressed because the parts already are. The
 * reader accepts only those names and only regular files: no links, devices, absolute paths or
 * "..", so extraction cannot write outside its directory.
 */
final class BundleArchive {
    private static final int BLOCK = 512;
    private static final long MAX_ENTRY = 8L << 30;

    private BundleArchive() {
    }

    static void write(Path bundleDir, Manifest m, Path tarFile) throws IOException {
        try (OutputStream out = Files.newOutputStream(tarFile, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            entry(out, "manifest.json", bundleDir.resolve("manifest.json"));
            for (Part p : m.parts()) {
                entry(out, p.bundleFile(), bundleDir.resolve(p.bundleFile()));
            }
            out.write(new byte[2 * BLOCK]);
        }
    }

    private static void entry(OutputStream out, String name, Path file) throws IOException {
        long size = Files.size(file);
        byte[] h = new byte[BLOCK];
        put(h, 0, name, 100);
        put(h, 100, octal(0644, 7), 8);
        put(h, 108, octal(0, 7), 8);
        put(h, 116, octal(0, 7), 8);
        put(h, 124, octal(size, 11), 12);
        put(h, 136, octal(0, 11), 12);
        h[156] = '0';
        put(h, 257, "ustar", 6);
        put(h, 263, "00", 2);
        put(h, 148, octal(checksum(h), 6) + "\0 ", 8);
        out.write(h);
        try (InputStream in = Files.newInputStream(file)) {
            in.transferTo(out);
        }
        out.write(new byte[(int) ((BLOCK - size % BLOCK) % BLOCK)]);
    }

    /**
     * Extracts a bundle archive into an empty directory.
     *
     * @throws ImageException naming the entry that was refused
     */
    static void extract(Path tarFile, Path into) throws IOException {
        Set<String> seen = new HashSet<>();
        try (InputStream in = Files.newInputStream(tarFile)) {
            while (true) {
                byte[] h = in.readNBytes(BLOCK);
                if (h.length < BLOCK) {
                    throw new ImageException(tarFile + " is truncated (no end-of-archive marker)");
                }
                if (allZero(h)) {
                    return;
                }
                long stored = parseOctal(h, 148, 8, "checksum");
                if (stored != checksum(h)) {
                    throw new ImageException(tarFile + " has a header with a bad checksum");
                }
                String name = string(h, 345, 155).isEmpty() ? string(h, 0, 100)
                        : string(h, 345, 155) + "/" + string(h, 0, 100);
                char type = (char) h[156];
                long size = parseOctal(h, 124, 12, "size");
                if (type == '5' && name.equals("parts/")) {
                    continue;
                }
                if (type != '0' && type != '\0') {
                    throw new ImageException("bundle entry '" + name + "' is not a regular file (type " + type + ")");
                }
                if (!allowed(name)) {
                    throw new ImageException("bundle entry '" + name + "' is not manifest.json or parts/<name>.zst");
                }
                if (!seen.add(name)) {
                    throw new ImageException("bundle entry '" + name + "' appears twice");
                }
                if (size > MAX_ENTRY) {
                    throw new ImageException("bundle entry '" + name + "' is larger than " + MAX_ENTRY + " bytes");
                }
                Path dest = into.resolve(name);
                Files.createDirectories(dest.getParent());
                try (OutputStream out = Files.newOutputStream(dest, StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE)) {
                    long copied = copy(in, out, size);
                    if (copied < size) {
                        throw new ImageException("bundle entry '" + name + "' is truncated");
                    }
                }
                in.skipNBytes((BLOCK - size % BLOCK) % BLOCK);
            }
        } catch (java.io.EOFException e) {
            throw new ImageException(tarFile + " is truncated", e);
        }
    }

    private static boolean allowed(String name) {
        if (name.equals("manifest.json")) {
            return true;
        }
        if (!name.startsWith("parts/") || !name.endsWith(".zst")) {
            return false;
        }
        String part = name.substring("parts/".length(), name.length() - ".zst".length());
        return Part.NAME.matcher(part).matches() && !part.contains("..");
    }

    private static long copy(InputStream in, OutputStream out, long size) throws IOException {
        byte[] buf = new byte[1 << 16];
        long done = 0;
        while (done < size) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, size - done));
            if (n < 0) {
                break;
            }
            out.write(buf, 0, n);
            done += n;
        }
        return done;
    }

    private static long checksum(byte[] h) {
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) {
            sum += (i >= 148 && i < 156) ? ' ' : h[i] & 0xff;
        }
        return sum;
    }

    private static boolean allZero(byte[] h) {
        for (byte b : h) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static String octal(long v, int digits) {
        String s = Long.toOctalString(v);
        return "0".repeat(Math.max(0, digits - s.length())) + s;
    }

    private static void put(byte[] h, int off, String s, int max) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, off, Math.min(b.length, max));
    }

    private static String string(byte[] h, int off, int len) {
        int end = off;
        while (end < off + len && h[end] != 0) {
            end++;
        }
        return new String(h, off, end - off, StandardCharsets.UTF_8);
    }

    private static long parseOctal(byte[] h, int off, int len, String field) throws ImageException {
        String s = string(h, off, len).trim();
        if (s.isEmpty() || !s.chars().allMatch(c -> c >= '0' && c <= '7') || s.length() > 11) {
            throw new ImageException("bundle archive header field " + field + " is not octal: '" + s + "'");
        }
        return Long.parseLong(s, 8);
    }
}
