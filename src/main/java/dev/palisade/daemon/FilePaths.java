package dev.palisade.daemon;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.palisade.paths.Mount;
import dev.palisade.paths.PathTranslator;

/**
 * Maps a path from a file API request, given as a sandbox path ({@code /sessions/<id>/mnt/Name/…})
 * or as a host path inside one of the session's folders, to a {@link FileTarget}. Purely lexical:
 * any {@code ..} segment is refused ({@code path-traversal}) rather than interpreted, since its
 * meaning depends on symlinks that the walk refuses anyway; a path in no folder is
 * {@code path-outside}.
 */
final class FilePaths {
    private final PathTranslator translator;

    FilePaths(PathTranslator translator) {
        this.translator = translator;
    }

    FileTarget resolve(String raw) throws ProtocolException {
        if (raw.isEmpty() || raw.charAt(0) != '/') {
            throw new ProtocolException("path-outside", "path '" + raw + "' must be absolute (a sandbox or host path)");
        }
        if (raw.indexOf('\0') >= 0) {
            throw new ProtocolException("path-outside", "path contains a NUL byte");
        }
        List<String> segs = new ArrayList<>();
        for (String s : raw.split("/")) {
            if (s.equals("..")) {
                throw new ProtocolException("path-traversal", "path " + raw + " contains '..'; give a path without it");
            }
            if (!s.isEmpty() && !s.equals(".")) {
                segs.add(s);
            }
        }
        String mountRoot = translator.sessionHome() + "/mnt";
        List<String> mountRootSegs = List.of(mountRoot.substring(1).split("/"));
        if (segs.size() > mountRootSegs.size() && segs.subList(0, mountRootSegs.size()).equals(mountRootSegs)) {
            String name = segs.get(mountRootSegs.size());
            for (Mount m : translator.mounts()) {
                if (m.name().equals(name)) {
                    return target(m, segs.subList(mountRootSegs.size() + 1, segs.size()));
                }
            }
            throw new ProtocolException("path-outside", "path " + raw + " is in no folder of this session");
        }
        Path host = Path.of("/" + String.join("/", segs));
        Mount best = null;
        for (Mount m : translator.mounts()) {
            if (host.startsWith(m.hostPath())
                    && (best == null || m.hostPath().getNameCount() > best.hostPath().getNameCount())) {
                best = m;
            }
        }
        if (best == null) {
            throw new ProtocolException("path-outside", "path " + raw + " is in no folder of this session");
        }
        return target(best, segs.subList(best.hostPath().getNameCount(), segs.size()));
    }

    private FileTarget target(Mount m, List<String> rel) {
        String tail = String.join("/", rel);
        return new FileTarget(m, rel, rel.isEmpty() ? translator.sandboxRoot(m) : translator.sandboxRoot(m) + "/" + tail,
                rel.isEmpty() ? m.hostPath() : m.hostPath().resolve(tail));
    }
}
