package dev.palisade.image;

import java.nio.file.Path;

/**
 * An image unpacked and verified under the image store.
 *
 * @param manifest its manifest
 * @param dir its directory, holding one file per part and {@code manifest.json}
 */
public record InstalledImage(Manifest manifest, Path dir) {
    /** The guest kernel. */
    public Path kernel() {
        return dir.resolve("vmlinuz");
    }

    /** The guest initramfs. */
    public Path initramfs() {
        return dir.resolve("initramfs");
    }
}
