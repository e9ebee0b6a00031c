package dev.palisade.paths;

import java.util.regex.Pattern;

/** The rule for a folder's name inside the sandbox: one safe path component. */
final class FolderNames {
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._+@-][A-Za-z0-9 ._+@-]{0,127}");

    private FolderNames() {
    }

    static void check(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("folder name is empty");
        }
        if (name.equals(".") || name.equals("..") || !SAFE.matcher(name).matches() || name.endsWith(" ")) {
            throw new IllegalArgumentException("folder name '" + name
                    + "' is not allowed inside the sandbox (letters, digits, space and ._+@- only, at most 128)");
        }
    }
}
