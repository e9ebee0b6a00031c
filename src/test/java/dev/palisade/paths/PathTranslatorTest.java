package dev.palisade.paths;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

class PathTranslatorTest {
    private final Mount proj = new Mount(Path.of("/home/ann/ProjectX"), "ProjectX", Access.RW);
    private final Mount docs = new Mount(Path.of("/data/docs"), "Docs", Access.RO);
    private final PathTranslator t = new PathTranslator("zealous-ramanujan", List.of(proj, docs));

    @Test
    void translatesSandboxPathsToHostPaths() {
        assertThat(t.toHost("/sessions/zealous-ramanujan/mnt/ProjectX/src/a.c")).contains(Path.of("/home/ann/ProjectX/src/a.c"));
        assertThat(t.toHost("/sessions/zealous-ramanujan/mnt/Docs")).contains(Path.of("/data/docs"));
    }

    @Test
    void translatesHostPathsToSandboxPaths() {
        assertThat(t.toSandbox(Path.of("/home/ann/ProjectX/src/a.c"))).contains("/sessions/zealous-ramanujan/mnt/ProjectX/src/a.c");
        assertThat(t.toSandbox(Path.of("/data/docs"))).contains("/sessions/zealous-ramanujan/mnt/Docs");
    }

    @Test
    void roundTrips() {
        String inside = "/sessions/zealous-ramanujan/mnt/ProjectX/a/b c/d.txt";
        assertThat(t.toSandbox(t.toHost(inside).orElseThrow())).contains(inside);
    }

    @Test
    void refusesPathsOutsideTheFolders() {
        assertThat(t.toHost("/etc/passwd")).isEmpty();
        assertThat(t.toHost("/sessions/zealous-ramanujan/mnt/Other/x")).isEmpty();
        assertThat(t.toHost("/sessions/other-session/mnt/ProjectX/x")).isEmpty();
        assertThat(t.toSandbox(Path.of("/home/ann/ProjectXY"))).isEmpty();
        assertThat(t.toSandbox(Path.of("/home/ann"))).isEmpty();
    }

    @Test
    void refusesDotDotEscapes() {
        assertThat(t.toHost("/sessions/zealous-ramanujan/mnt/ProjectX/../../../../etc/passwd")).isEmpty();
        assertThat(t.toHost("/sessions/zealous-ramanujan/mnt/ProjectX/src/../../Docs")).isEmpty();
    }

    @Test
    void rewritesSandboxPathsInTextToHostPaths() {
        String text = "error in /sessions/zealous-ramanujan/mnt/ProjectX/a.c:3 and /sessions/zealous-ramanujan/mnt/ProjectXY";
        assertThat(t.rewriteToHost(text))
                .isEqualTo("error in /home/ann/ProjectX/a.c:3 and /sessions/zealous-ramanujan/mnt/ProjectXY");
    }
}
