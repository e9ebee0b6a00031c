package dev.palisade.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Recursive delete for temporary trees this package created (never follows symlinks). */
final class Trees {
    private Trees() {
    }

    static void deleteQuietly(Path root) {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.getLogger(Trees.class.getName()).log(System.Logger.Level.WARNING,
                    "could not remove temporary tree " + root + ": " + e.getMessage());
        }
    }
}
