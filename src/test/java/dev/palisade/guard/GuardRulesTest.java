package dev.palisade.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The decisions of the file guard, without mounting anything. */
class GuardRulesTest {
    private final RuleBook book = new RuleBook(GuardRules.defaults().withDenyWrite(List.of("*.key", "secrets/**",
            "/build/out")));

    private static List<String> p(String path) {
        return RuleBook.segments(path);
    }

    private String write(String path) {
        return book.writeRule(p(path), d -> false, false);
    }

    @Test
    void blockedTypesMatchCaseInsensitivelyAfterTrailingDotsSpacesAndWideLetters() {
        assertThat(book.blockedType("setup.exe", false)).isEqualTo(".exe");
        assertThat(book.blockedType("payload.JAR", false)).isEqualTo(".jar");
        assertThat(book.blockedType("a.exe. . ", false)).isEqualTo(".exe");
        assertThat(book.blockedType("a.ｅｘｅ", false)).isEqualTo(".exe");
        assertThat(book.blockedType("Tool.AppImage", false)).isEqualTo(".appimage");
        assertThat(book.blockedType("notes.txt", false)).isNull();
        assertThat(book.blockedType("exe", false)).isNull();
        assertThat(book.blockedType("a.exe.txt", false)).isNull();
    }

    @Test
    void directoriesAreOnlyRefusedForBundleTypes() {
        assertThat(book.blockedType("Evil.app", true)).isEqualTo(".app");
        assertThat(book.blockedType("Installer.PKG", true)).isEqualTo(".pkg");
        assertThat(book.blockedType("example.com", true)).isNull();
        assertThat(book.blockedType("example.com", false)).isEqualTo(".com");
    }

    @Test
    void denyWriteCoversSubtreesAndBareNamesAtAnyDepth() {
        assertThat(write("id.key")).isEqualTo("filesystem.denyWrite *.key");
        assertThat(write("deep/er/id.key")).isEqualTo("filesystem.denyWrite *.key");
        assertThat(write("secrets")).startsWith("filesystem.denyWrite secrets/**");
        assertThat(write("secrets/a/b")).startsWith("filesystem.denyWrite secrets/**");
        assertThat(write("x/secrets/a")).isNull();
        assertThat(write("build/out/x.o")).isEqualTo("filesystem.denyWrite /build/out");
        assertThat(write("sub/build/out")).isNull();
        assertThat(write("id.keys")).isNull();
    }

    @Test
    void protectedPathsAreReadOnlyUnlessBelowADirectoryTheSandboxCreated() {
        assertThat(write(".git/hooks/pre-commit")).isEqualTo("protected path **/.git/hooks");
        assertThat(write(".git/config")).isEqualTo("protected path **/.git/config");
        assertThat(write("vendor/lib/.git/hooks/post-checkout")).isEqualTo("protected path **/.git/hooks");
        assertThat(write(".git/modules/lib/hooks/x")).isNotNull();
        assertThat(write(".claude")).isEqualTo("protected path /.claude");
        assertThat(write(".claude/settings.json")).isEqualTo("protected path /.claude");
        assertThat(write(".envrc")).isEqualTo("protected path /.envrc");
        assertThat(write("sub/.envrc")).isNull();
        assertThat(write(".git/index")).isNull();
        assertThat(write(".git/objects/ab/cdef")).isNull();
        assertThat(write("sub/.git")).isEqualTo("protected path: only a directory may be named .git");
        assertThat(book.writeRule(p("sub/.git"), d -> false, true)).isNull();
        // a repository the sandbox created itself (git init) may get its config and sample hooks
        assertThat(book.writeRule(p("fresh/.git/config"), Set.of("fresh/.git")::contains, false)).isNull();
        assertThat(book.writeRule(p("fresh/.git/hooks"), Set.of("fresh/.git")::contains, true)).isNull();
        assertThat(book.writeRule(p("fresh/.git/hooks/pre-commit.sample"), Set.of("fresh/.git")::contains, false))
                .isNull();
        assertThat(book.writeRule(p("fresh/.git/hooks/pre-commit"), Set.of("fresh/.git")::contains, false))
                .as("no runnable hook even in a fresh repository").isNotNull();
        assertThat(book.writeRule(p(".git/config"), Set.of("fresh/.git")::contains, false)).isNotNull();
        assertThat(book.writeRule(p(".claude"), Set.of(".claude")::contains, true)).isNotNull();
    }

    @Test
    void directoriesThatAnchorAProtectedPathCannotBeRenamedEitherWay() {
        assertThat(book.renameDirRule(p(".git"))).contains("**/.git/hooks");
        assertThat(book.renameDirRule(p("sub/.git"))).isNotNull();
        assertThat(book.renameDirRule(p(".git/modules"))).isNotNull();
        assertThat(book.renameDirRule(p("build"))).contains("/build/out");
        assertThat(book.renameDirRule(p("src"))).isNull();
        assertThat(book.renameDirRule(p("sub"))).as("** keeps sub/.git/hooks matched after a rename").isNull();
        assertThat(book.renameDirRule(p(".git/modules/lib"))).as("** swallowed the moved name").isNull();
        assertThat(book.renameDirRule(p("secrets"))).isNull(); // covered as a whole by writeRule instead
    }

    @Test
    void symlinksMayOnlyClimbAsFarAsTheirOwnDepth() {
        assertThat(SymlinkRule.allowed("target", 0)).isTrue();
        assertThat(SymlinkRule.allowed("./a/b", 0)).isTrue();
        assertThat(SymlinkRule.allowed("../node/bin/cli.js", 1)).isTrue();
        assertThat(SymlinkRule.allowed("../x", 0)).isFalse();
        assertThat(SymlinkRule.allowed("../../x", 1)).isFalse();
        assertThat(SymlinkRule.allowed("/etc/passwd", 5)).isFalse();
        assertThat(SymlinkRule.allowed("a/../../x", 3)).as(".. after a name climbs from the link's target")
                .isFalse();
        assertThat(SymlinkRule.allowed("", 3)).isFalse();
    }

    @Test
    void malformedRulesAreRejectedNamingTheKey() {
        assertThatThrownBy(() -> new GuardRules(Set.of("exe"), List.of(), List.of(), 0))
                .hasMessageContaining("blockedFileTypes");
        assertThatThrownBy(() -> new GuardRules(Set.of(), List.of("../x"), List.of(), 0))
                .hasMessageContaining("denyWrite");
        assertThatThrownBy(() -> new GuardRules(Set.of(), List.of(), List.of(" "), 0))
                .hasMessageContaining("protectedPaths");
        assertThatThrownBy(() -> new GuardRules(Set.of(), List.of(), List.of(), -1))
                .hasMessageContaining("keepHistory");
        assertThat(new GuardRules(Set.of(".EXE"), List.of(), List.of(), 0).blockedFileTypes()).containsExactly(".exe");
    }

    @Test
    void policyEntriesBecomePatternsAnchoredAtTheFolder() {
        assertThat(GuardRules.patternsFor(java.nio.file.Path.of("/home/u/P"),
                List.of(".bashrc", "secrets/**", "/home/u/P/build/out", "/home/u/Other/x", "/home/u/P")))
                .containsExactly("/.bashrc", "/secrets/**", "/build/out");
        RuleBook anchored = new RuleBook(GuardRules.defaults().withDenyWrite(List.of("/.bashrc")));
        assertThat(anchored.writeRule(p("sub/.bashrc"), d -> false, false)).isNull();
        assertThat(anchored.writeRule(p(".bashrc"), d -> false, false)).isNotNull();
    }

    @Test
    void historyLinesSurviveAnyFileName() {
        HistoryEntry e = new HistoryEntry(7, 1234, 'L', 0777, 1, 2, 0, "dir/we\tird\nname", "../t");
        assertThat(HistoryEntry.parse(e.toLine().strip())).isEqualTo(e);
        assertThatThrownBy(() -> new HistoryEntry(1, 0, 'F', 0, 0, 0, 0, "a/../../x", ""))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
