package dev.palisade.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Resolves kernel modules and their dependencies from {@code modules.dep} (depmod(8)), giving the
 * order in which {@code insmod} must load them: every dependency before its user.
 */
final class KernelModules {
    private final Path root;
    private final Map<String, List<String>> deps = new HashMap<>();
    private final Map<String, String> byName = new HashMap<>();

    /**
     * @param root the release's module directory, {@code /lib/modules/<release>}
     */
    KernelModules(Path root) throws IOException {
        this.root = root;
        Path depFile = root.resolve("modules.dep");
        if (!Files.isRegularFile(depFile)) {
            throw new ImageException("no modules.dep in " + root + " (is the kernel's module package installed?)");
        }
        for (String line : Files.readAllLines(depFile)) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String module = line.substring(0, colon);
            String rest = line.substring(colon + 1).trim();
            deps.put(module, rest.isEmpty() ? List.of() : List.of(rest.split("\\s+")));
            byName.put(moduleName(module), module);
        }
    }

    /** "kernel/drivers/char/virtio_console.ko" → "virtio_console". */
    static String moduleName(String path) {
        String base = path.substring(path.lastIndexOf('/') + 1);
        int dot = base.indexOf(".ko");
        return (dot < 0 ? base : base.substring(0, dot)).replace('-', '_');
    }

    /**
     * The files to load, dependencies first.
     *
     * @param names module names ("virtio_console")
     * @return paths relative to the module directory, in load order
     */
    List<String> loadOrder(List<String> names) throws ImageException {
        Set<String> ordered = new LinkedHashSet<>();
        for (String n : names) {
            String path = byName.get(n.replace('-', '_'));
            if (path == null) {
                throw new ImageException("kernel module '" + n + "' not found in " + root.resolve("modules.dep")
                        + " (built into the kernel, or missing)");
            }
            visit(path, ordered, new LinkedHashSet<>());
        }
        return new ArrayList<>(ordered);
    }

    private void visit(String path, Set<String> ordered, Set<String> stack) throws ImageException {
        if (ordered.contains(path)) {
            return;
        }
        if (!stack.add(path)) {
            throw new ImageException("dependency cycle at kernel module " + path);
        }
        for (String d : deps.getOrDefault(path, List.of())) {
            visit(d, ordered, stack);
        }
        ordered.add(path);
    }

    Path file(String relative) {
        return root.resolve(relative);
    }
}
