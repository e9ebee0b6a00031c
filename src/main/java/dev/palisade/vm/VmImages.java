package dev.palisade.vm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import dev.palisade.image.ImageInstaller;
import dev.palisade.image.InstalledImage;
import dev.palisade.image.Manifest;
import dev.palisade.image.Part;

/** Finds the installed image a session asks for. */
final class VmImages {
    private VmImages() {
    }

    /**
     * Selects an installed image.
     *
     * @param store the image store
     * @param selector {@code NAME-VERSION} (that installation) or {@code NAME} (its newest version)
     * @return the image
     * @throws VmUnavailableException naming how to build and install one when none matches
     */
    static InstalledImage select(Path store, String selector) throws IOException {
        Path exact = store.resolve(selector);
        if (Files.isDirectory(exact, LinkOption.NOFOLLOW_LINKS) && Files.isRegularFile(exact.resolve("manifest.json"))) {
            return check(new InstalledImage(ImageInstaller.readManifest(exact), exact));
        }
        List<InstalledImage> named = new ArrayList<>();
        List<String> all = new ArrayList<>();
        if (Files.isDirectory(store)) {
            try (Stream<Path> dirs = Files.list(store)) {
                for (Path d : dirs.sorted().toList()) {
                    if (d.getFileName().toString().startsWith(".") || !Files.isRegularFile(d.resolve("manifest.json"))) {
                        continue;
                    }
                    Manifest m = ImageInstaller.readManifest(d);
                    all.add(m.installName());
                    if (m.name().equals(selector)) {
                        named.add(new InstalledImage(m, d));
                    }
                }
            }
        }
        if (named.isEmpty()) {
            throw new VmUnavailableException("no VM image '" + selector + "' is installed in " + store
                    + (all.isEmpty() ? "" : " (installed: " + String.join(", ", all) + ")")
                    + ". Build and install one:\n  palisade image build --name " + nameOf(selector)
                    + " --out /tmp/" + nameOf(selector) + ".bundle\n  palisade image install /tmp/" + nameOf(selector)
                    + ".bundle\nor choose an installed image with --image NAME[-VERSION] or the policy's \"vm\": "
                    + "{\"image\": ...}. palisade does not fall back to a weaker tier.");
        }
        named.sort(Comparator.comparing(i -> i.manifest().version(), VmImages::compareVersions));
        return check(named.getLast());
    }

    private static String nameOf(String selector) {
        return selector.equals(VmSettings.DEFAULT_IMAGE) ? selector : selector.replaceFirst("-[0-9][^-]*$", "");
    }

    /** The parts a VM boots from must be there, with the sizes the (verified) manifest gives. */
    private static InstalledImage check(InstalledImage img) throws IOException {
        // A shim image (--shim-only, or one built before the guest sandbox) would run guest
        // commands without bwrap and seccomp: weaker than the tier promises, so it is refused.
        List<dev.palisade.image.GuestFile> files = img.manifest().initramfsFiles();
        if (files.stream().noneMatch(f -> f.path().equals("usr/bin/bwrap"))
                || files.stream().noneMatch(f -> f.path().startsWith("etc/palisade/seccomp/"))) {
            throw new VmUnavailableException("image " + img.manifest().installName() + " has no guest sandbox "
                    + "(bwrap and seccomp programs): it was built with --shim-only or by an older palisade, and "
                    + "the vm tier runs every guest command under bwrap + seccomp. Build and install a full image:\n"
                    + "  palisade image build --name " + img.manifest().name() + " --out /tmp/"
                    + img.manifest().name() + ".bundle");
        }
        for (String name : List.of("vmlinuz", "initramfs")) {
            Part p = part(img.manifest(), name);
            Path f = img.dir().resolve(name);
            if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS) || Files.size(f) != p.size()) {
                throw new VmUnavailableException("image " + img.manifest().installName() + " at " + img.dir()
                        + " is damaged (" + name + " missing or of the wrong size); remove it and install it again");
            }
        }
        return img;
    }

    static Part part(Manifest m, String name) throws VmUnavailableException {
        for (Part p : m.parts()) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        throw new VmUnavailableException("image " + m.installName() + " has no part '" + name + "'");
    }

    /** Compares dotted versions numerically where both parts are numbers ("0.10" after "0.9"). */
    static int compareVersions(String a, String b) {
        String[] x = a.split("[.+-]");
        String[] y = b.split("[.+-]");
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            int c = x[i].matches("\\d{1,9}") && y[i].matches("\\d{1,9}")
                    ? Integer.compare(Integer.parseInt(x[i]), Integer.parseInt(y[i])) : x[i].compareTo(y[i]);
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(x.length, y.length);
    }
}
