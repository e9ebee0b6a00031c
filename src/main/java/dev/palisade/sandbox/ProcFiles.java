package dev.palisade.sandbox;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Reads /proc and /proc/sys files. They report a size of 0, and {@code Files.readString} then
 * reads them in pieces; a sysctl file answers a read at a non-zero offset with end-of-file, so
 * {@code /proc/sys/user/max_user_namespaces} holding 96364 reads back as "9". A plain stream read
 * asks for a whole buffer at offset 0.
 */
public final class ProcFiles {
    private ProcFiles() {
    }

    /**
     * Reads a whole /proc file.
     *
     * @param file the file
     * @return its text
     * @throws IOException if it cannot be read
     */
    public static String read(Path file) throws IOException {
        try (FileInputStream in = new FileInputStream(file.toFile())) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
