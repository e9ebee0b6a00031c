package dev.palisade.daemon;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

import dev.palisade.paths.Mount;

/**
 * A file API path, lexically resolved to one of the session's folders. Nothing here has touched
 * the file system: {@link FileTree} walks {@code rel} from the folder's root descriptor.
 *
 * @param mount the folder
 * @param rel the segments below the folder root (empty for the root); no {@code .}, {@code ..} or empty segment
 * @param sandbox the path as the sandbox sees it
 * @param host the path on the host
 */
record FileTarget(Mount mount, List<String> rel, String sandbox, Path host) {
    FileTarget {
        Objects.requireNonNull(mount, "mount");
        rel = List.copyOf(rel);
        for (String s : rel) {
            if (s.isEmpty() || s.equals(".") || s.equals("..") || s.indexOf('/') >= 0 || s.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("bad path segment '" + s + "'");
            }
        }
        Objects.requireNonNull(sandbox, "sandbox");
        Objects.requireNonNull(host, "host");
    }

    /** The relative path for *at() calls: "." for the root. */
    String relPath() {
        return rel.isEmpty() ? "." : String.join("/", rel);
    }

    /** The last segment; the root has none. */
    String name() {
        return rel.getLast();
    }

    /** Path and host, for messages. */
    String describe() {
        return sandbox + " (" + host + ")";
    }
}
