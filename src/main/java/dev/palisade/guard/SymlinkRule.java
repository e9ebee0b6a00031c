package dev.palisade.guard;

/**
 * Decides whether a symlink may exist at a place in the folder. A link is stored only when the
 * host, following it from where it is, stays inside the folder no matter what the other links
 * are: its target must be relative, in the form {@code ../../a/b} (any number of leading
 * {@code ..}, then names, no {@code ..} after a name since a {@code ..} after a link would climb from
 * the link's target), and the leading {@code ..} may not climb above the folder root from the
 * link's directory. By induction every link then resolves inside. Because the check depends on
 * depth, moving a link or a directory that holds links to a shallower depth is checked again.
 * Absolute targets are refused rather than rewritten: the sandbox path of the folder differs from
 * the host path, so no rewriting is right for both sides.
 */
final class SymlinkRule {
    private SymlinkRule() {
    }

    /**
     * How many levels the target climbs, or -1 if it is not of the allowed form.
     *
     * @param target the link's content
     */
    static int climb(String target) {
        if (target.isEmpty() || target.startsWith("/") || target.indexOf('\0') >= 0) {
            return -1;
        }
        int ups = 0;
        boolean seenName = false;
        for (String s : target.split("/")) {
            if (s.isEmpty() || s.equals(".")) {
                continue;
            }
            if (s.equals("..")) {
                if (seenName) {
                    return -1;
                }
                ups++;
            } else {
                seenName = true;
            }
        }
        return ups;
    }

    /**
     * Whether a link with this target may sit in a directory at {@code dirDepth} segments below
     * the root.
     */
    static boolean allowed(String target, int dirDepth) {
        int c = climb(target);
        return c >= 0 && c <= dirDepth;
    }
}
