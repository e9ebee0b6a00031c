package dev.palisade.image;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.HexFormat;

import io.airlift.compress.v3.zstd.ZstdInputStream;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Installs an image bundle ({@code palisade image install FILE|DIR}) under the image store. Nothing is
 * used before it is verified: each compressed part's SHA-256 is checked before it is decompressed,
 * decompression stops at the size the manifest declares, and the plain SHA-256 is checked before
 * the image becomes visible. The image is unpacked into a temporary directory beside its final
 * place and renamed into place in one step, so a failure leaves nothing half-installed.
 */
public final class ImageInstaller {
    private static final int MAX_MANIFEST = 1 << 20;
    private static final System.Logger LOG = System.getLogger(ImageInstaller.class.getName());

    private ImageInstaller() {
    }

    /** The image store: {@code $XDG_CACHE_HOME/palisade/images}, or {@code ~/.cache/palisade/images}. */
    public static Path defaultStore() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cache = xdg != null && xdg.startsWith("/") ? Path.of(xdg)
                : Path.of(System.getProperty("user.home"), ".cache");
        return cache.resolve("palisade").resolve("images");
    }

    /**
     * Reads and validates a bundle's manifest.
     *
     * @param bundle the bundle directory
     * @return the manifest
     * @throws ImageException if it is missing, too large, not valid JSON, or fails validation
     */
    public static Manifest readManifest(Path bundle) throws IOException {
        Path file = bundle.resolve("manifest.json");
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new ImageException("bundle " + bundle + " has no manifest.json");
        }
        if (Files.size(file) > MAX_MANIFEST) {
            throw new ImageException("manifest.json of " + bundle + " is larger than " + MAX_MANIFEST + " bytes");
        }
        try {
            return JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                    .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                    .build().readValue(Files.readAllBytes(file), Manifest.class);
        } catch (JacksonException e) {
            throw new ImageException("manifest.json of " + bundle + " is invalid: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Verifies and installs a bundle, given as its directory or as one archive file. Installing the same image again returns the
     * existing installation; a different image under the same name and version is refused.
     *
     * @param bundle the bundle directory or archive file
     * @param store the image store
     * @return the installed image
     * @throws ImageException on any verification failure; nothing is installed then
     */
    public static InstalledImage install(Path bundle, Path store) throws IOException {
        return install(bundle, store, Progress.NONE);
    }

    /**
     * Verifies and installs a bundle like {@link #install(Path, Path)}, reporting the hashing and
     * unpacking of each part.
     *
     * @param bundle the bundle directory or archive file
     * @param store the image store
     * @param progress where to report
     * @return the installed image
     * @throws ImageException on any verification failure; nothing is installed then
     */
    public static InstalledImage install(Path bundle, Path store, Progress progress) throws IOException {
        if (Files.isRegularFile(bundle)) {
            // A bundle file is unpacked beside the store, then verified like a directory.
            Files.createDirectories(store);
            Path unpacked = Files.createTempDirectory(store, ".unpack-");
            try {
                BundleArchive.extract(bundle, unpacked);
                return install(unpacked, store, progress);
            } finally {
                Trees.deleteQuietly(unpacked);
            }
        }
        Manifest m = readManifest(bundle);
        Files.createDirectories(store);
        Path target = store.resolve(m.installName());
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return existing(target, m);
        }
        Path tmp = Files.createTempDirectory(store, ".install-");
        try {
            for (Part p : m.parts()) {
                unpack(bundle, p, tmp.resolve(p.name()), progress);
            }
            Files.copy(bundle.resolve("manifest.json"), tmp.resolve("manifest.json"));
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException raced) {
                return existing(target, m);
            } catch (AtomicMoveNotSupportedException e) {
                throw new ImageException("cannot rename into " + store + " atomically", e);
            }
            LOG.log(System.Logger.Level.INFO, "installed image {0} at {1}", m.installName(), target);
            return new InstalledImage(m, target);
        } finally {
            Trees.deleteQuietly(tmp);
        }
    }

    private static InstalledImage existing(Path target, Manifest wanted) throws IOException {
        Manifest have = readManifest(target);
        if (!have.equals(wanted)) {
            throw new ImageException("image " + wanted.installName() + " is already installed at " + target
                    + " with different content; remove it first");
        }
        return new InstalledImage(have, target);
    }

    private static void unpack(Path bundle, Part p, Path dest, Progress progress) throws IOException {
        Path src = bundle.resolve(p.bundleFile());
        if (!Files.isRegularFile(src, LinkOption.NOFOLLOW_LINKS)) {
            throw new ImageException("part '" + p.name() + "' is missing from the bundle (" + p.bundleFile() + ")");
        }
        String compressed = hashWithProgress(src, "verify " + p.name(), progress);
        if (!compressed.equals(p.compressedSha256())) {
            throw new ImageException("part '" + p.name() + "' is corrupt: SHA-256 of " + p.bundleFile() + " is "
                    + compressed + ", the manifest says " + p.compressedSha256());
        }
        MessageDigest d = Sha256.digest();
        long total = 0;
        String phase = "unpack " + p.name();
        progress.update(phase, 0, p.size());
        try (InputStream in = ZstdInputStream.create(Files.newInputStream(src));
                OutputStream out = Files.newOutputStream(dest)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0;) {
                total += n;
                if (total > p.size()) {
                    throw new ImageException("part '" + p.name() + "' decompresses to more than the "
                            + p.size() + " bytes the manifest declares");
                }
                d.update(buf, 0, n);
                out.write(buf, 0, n);
                progress.update(phase, total, p.size());
            }
        } catch (RuntimeException e) {
            // The decompressor reports malformed input with unchecked exceptions.
            throw new ImageException("part '" + p.name() + "' is not valid zstd: " + e.getMessage(), e);
        }
        progress.update(phase, p.size(), p.size());
        String plain = HexFormat.of().formatHex(d.digest());
        if (total != p.size() || !plain.equals(p.sha256())) {
            throw new ImageException("part '" + p.name() + "' does not match the manifest after decompression: "
                    + total + " bytes with SHA-256 " + plain + ", expected " + p.size() + " bytes with " + p.sha256());
        }
    }

    private static String hashWithProgress(Path file, String phase, Progress progress) throws IOException {
        MessageDigest d = Sha256.digest();
        long size = Files.size(file);
        long done = 0;
        progress.update(phase, 0, size);
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0;) {
                d.update(buf, 0, n);
                done += n;
                progress.update(phase, done, size);
            }
        }
        progress.update(phase, size, size);
        return HexFormat.of().formatHex(d.digest());
    }
}
