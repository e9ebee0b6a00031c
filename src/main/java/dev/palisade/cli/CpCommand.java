package dev.palisade.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.palisade.sdk.FileInfo;
import dev.palisade.sdk.FileType;
import dev.palisade.sdk.Palisade;
import dev.palisade.sdk.PalisadeException;
import dev.palisade.sdk.Session;
import dev.palisade.sdk.SessionInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code palisade cp SRC DST}: copies one file into or out of a session through the daemon's file
 * API, so every session-side path passes the daemon's path checks. One side is {@code SESSION:PATH}:
 * PATH is a sandbox path, a host path inside one of the session's folders, or relative to the
 * session's first folder. A local path containing a colon is written {@code ./name:x}.
 */
@Command(name = "cp", description = "Copy a file into or out of a session: palisade cp SRC DST, one of them SESSION:PATH.")
final class CpCommand implements Callable<Integer> {
    private static final Pattern REMOTE = Pattern.compile("([a-z0-9][a-z0-9-]{0,62}):(.*)");

    @Mixin
    DaemonOption daemon;

    @Parameters(index = "0", paramLabel = "SRC", description = "Source: a local file or SESSION:PATH.")
    String src;

    @Parameters(index = "1", paramLabel = "DST", description = "Destination: a local path or SESSION:PATH.")
    String dst;

    @Override
    public Integer call() {
        Matcher from = REMOTE.matcher(src);
        Matcher to = REMOTE.matcher(dst);
        boolean fromRemote = from.matches();
        boolean toRemote = to.matches();
        if (fromRemote == toRemote) {
            return Fail.with("cp: exactly one of SRC and DST must be SESSION:PATH (got '" + src + "' and '" + dst + "')");
        }
        try (Palisade p = daemon.connect()) {
            if (fromRemote) {
                Session s = p.session(from.group(1));
                return out(s, resolve(s, from.group(2)), Path.of(dst));
            }
            Session s = p.session(to.group(1));
            return in(Path.of(src), s, resolve(s, to.group(2)));
        } catch (PalisadeException e) {
            return Fail.with(e.getMessage());
        } catch (IOException e) {
            return Fail.with("cp: " + e.getMessage());
        }
    }

    /** A relative PATH is relative to the session's first folder, the commands' working directory. */
    private static String resolve(Session s, String path) throws PalisadeException {
        if (path.startsWith("/")) {
            return path;
        }
        SessionInfo info = s.info();
        if (info.folders().isEmpty()) {
            throw new PalisadeException("path-outside", "session " + s.id() + " has no folders, so '" + path
                    + "' names nothing; give an absolute path");
        }
        String root = info.folders().getFirst().sandbox();
        return path.isEmpty() || path.equals(".") ? root : root + "/" + path;
    }

    private static int in(Path local, Session s, String remote) throws IOException {
        if (!Files.isRegularFile(local)) {
            return Fail.with("cp: " + local + " is not a regular file (cp copies one file)");
        }
        String target = remote;
        try {
            if (s.stat(remote).type() == FileType.DIR) {
                target = remote.replaceAll("/+$", "") + "/" + local.getFileName();
            }
        } catch (PalisadeException e) {
            if (!e.code().equals("not-found")) {
                throw e;
            }
        }
        try (InputStream data = Files.newInputStream(local)) {
            s.write(target, data);
        }
        return 0;
    }

    /** The rwx bits of a mode (setuid, setgid and sticky are not carried over). */
    private static java.util.Set<java.nio.file.attribute.PosixFilePermission> permissions(int mode) {
        java.util.Set<java.nio.file.attribute.PosixFilePermission> set = java.util.EnumSet.noneOf(
                java.nio.file.attribute.PosixFilePermission.class);
        java.nio.file.attribute.PosixFilePermission[] bits = java.nio.file.attribute.PosixFilePermission.values();
        for (int i = 0; i < 9; i++) { // OWNER_READ .. OTHERS_EXECUTE, highest bit first
            if ((mode & (0400 >> i)) != 0) {
                set.add(bits[i]);
            }
        }
        return set;
    }

    private static int out(Session s, String remote, Path local) throws IOException {
        FileInfo info = s.stat(remote);
        if (info.type() != FileType.FILE) {
            return Fail.with("cp: " + remote + " is a " + info.type().name().toLowerCase(java.util.Locale.ROOT)
                    + ", not a regular file (cp copies one file)");
        }
        Path target = Files.isDirectory(local) ? local.resolve(info.name()) : local;
        if (Files.isSymbolicLink(target) || (Files.exists(target, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(target))) {
            return Fail.with("cp: " + target + " exists and is not a regular file; not replacing it");
        }
        // Into a temporary file beside the target, then renamed: a failed copy leaves no half file.
        Path tmp = Files.createTempFile(target.toAbsolutePath().getParent(), ".palisade-cp-", ".part");
        try (InputStream data = s.open(remote)) {
            Files.copy(data, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(tmp, permissions(info.mode()));
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return 0;
    }
}
