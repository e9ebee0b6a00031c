package dev.palisade.image;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code manifest.json} of an image bundle.
 *
 * @param format the bundle format version, {@link #FORMAT}
 * @param name the image's name
 * @param version the image's version
 * @param kernelRelease the guest kernel's release ({@code uname -r} in the guest)
 * @param parts the parts, each verified by hash before use
 * @param initramfsFiles the host binaries, libraries and seccomp programs inside the initramfs
 *     part, with their sources and hashes (for audit; may be absent in older manifests)
 */
public record Manifest(int format, String name, String version, String kernelRelease, List<Part> parts,
        List<GuestFile> initramfsFiles) {
    /** The only bundle format this code reads. */
    public static final int FORMAT = 1;
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]{0,63}");

    public Manifest {
        if (format != FORMAT) {
            throw new IllegalArgumentException("unsupported bundle format " + format + " (expected " + FORMAT + ")");
        }
        label("name", name);
        label("version", version);
        label("kernelRelease", kernelRelease);
        parts = List.copyOf(Objects.requireNonNull(parts, "parts"));
        initramfsFiles = initramfsFiles == null ? List.of() : List.copyOf(initramfsFiles);
        Set<String> seen = new HashSet<>();
        for (Part p : parts) {
            if (!seen.add(p.name())) {
                throw new IllegalArgumentException("part '" + p.name() + "' listed twice");
            }
        }
        for (String required : List.of("vmlinuz", "initramfs")) {
            if (!seen.contains(required)) {
                throw new IllegalArgumentException("manifest lists no '" + required + "' part");
            }
        }
    }

    /** A manifest without a list of initramfs files. */
    public Manifest(int format, String name, String version, String kernelRelease, List<Part> parts) {
        this(format, name, version, kernelRelease, parts, List.of());
    }

    private static void label(String field, String value) {
        if (value == null || !LABEL.matcher(value).matches() || value.contains("..")) {
            throw new IllegalArgumentException("manifest " + field + " '" + value + "' is not a plain label");
        }
    }

    /** The directory name of the installed image: {@code name-version}. */
    public String installName() {
        return name + "-" + version;
    }
}
