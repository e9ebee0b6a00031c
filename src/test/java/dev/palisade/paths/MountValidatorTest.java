package dev.palisade.paths;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MountValidatorTest {
    @TempDir
    Path tmp;

    private MountValidator validator(Path home) {
        return new MountValidator(tmp, home, List.of(tmp.resolve("state")));
    }

    @Test
    void acceptsAPlainFolderWithItsBaseName() throws Exception {
        Path proj = Files.createDirectory(tmp.resolve("ProjectX"));
        Mount m = validator(tmp.resolve("home")).validateSpec(proj + ":rw", false);
        assertThat(m.hostPath()).isEqualTo(proj.toRealPath());
        assertThat(m.name()).isEqualTo("ProjectX");
        assertThat(m.access()).isEqualTo(Access.RW);
    }

    @Test
    void defaultsToReadOnly() throws Exception {
        Path proj = Files.createDirectory(tmp.resolve("p"));
        assertThat(validator(tmp.resolve("home")).validateSpec(proj.toString(), false).access()).isEqualTo(Access.RO);
    }

    @Test
    void resolvesRelativePathsAgainstTheWorkingDirectory() throws Exception {
        Files.createDirectory(tmp.resolve("rel"));
        assertThat(validator(tmp.resolve("home")).validateSpec("rel", false).hostPath()).isEqualTo(tmp.resolve("rel"));
    }

    @Test
    void refusesDotDot() throws Exception {
        Files.createDirectories(tmp.resolve("a/b"));
        assertThatThrownBy(() -> validator(tmp.resolve("home")).validateSpec(tmp + "/a/b/..", false))
                .isInstanceOf(PathRefusedException.class).hasMessageContaining("'..'");
    }

    @Test
    void refusesSymlinkMount() throws Exception {
        Path real = Files.createDirectory(tmp.resolve("real"));
        Path link = Files.createSymbolicLink(tmp.resolve("link"), real);
        assertThatThrownBy(() -> validator(tmp.resolve("home")).validateSpec(link.toString(), false))
                .isInstanceOf(PathRefusedException.class).hasMessageContaining("symlink").hasMessageContaining(real.toString());
    }

    @Test
    void refusesSymlinkInAMiddleComponent() throws Exception {
        Path real = Files.createDirectories(tmp.resolve("real/inner"));
        Files.createSymbolicLink(tmp.resolve("link"), real.getParent());
        assertThatThrownBy(() -> validator(tmp.resolve("home")).validateSpec(tmp + "/link/inner", false))
                .isInstanceOf(PathRefusedException.class).hasMessageContaining("symlink");
    }

    @Test
    void refusesMissingFolder() {
        assertThatThrownBy(() -> validator(tmp.resolve("home")).validateSpec(tmp + "/nope", false))
                .isInstanceOf(PathRefusedException.class).hasMessageContaining("does not exist");
    }

    @Test
    void refusesAFile() throws Exception {
        Path f = Files.writeString(tmp.resolve("f.txt"), "x");
        assertThatThrownBy(() -> validator(tmp.resolve("home")).validateSpec(f.toString(), false))
                .isInstanceOf(PathRefusedException.class).hasMessageContaining("not a folder");
    }

    @Test
    void refusesSensitiveHostFolders() throws Exception {
        Path home = Files.createDirectory(tmp.resolve("home"));
        Path ssh = Files.createDirectory(home.resolve(".ssh"));
        Path config = Files.createDirectories(home.resolve(".config/gh"));
        MountValidator v = validator(home);
        for (String p : List.of("/", "/etc", "/proc", "/sys", "/dev", "/usr/lib", home.toString(), ssh.toString(),
                config.toString(), "~", "~/.ssh")) {
            assertThatThrownBy(() -> v.validateSpec(p, false)).as(p)
                    .isInstanceOf(PathRefusedException.class).hasMessageContaining("refusing to mount");
        }
    }

    @Test
    void refusesTheDaemonsOwnState() throws Exception {
        Path state = Files.createDirectory(tmp.resolve("state"));
        assertThatThrownBy(() -> validator(tmp.resolve("home")).validateSpec(state.toString(), false))
                .isInstanceOf(PathRefusedException.class).hasMessageContaining("refusing to mount");
    }

    @Test
    void forcedSensitiveMountIsAllowed() throws Exception {
        Path home = Files.createDirectory(tmp.resolve("home"));
        assertThat(validator(home).validateSpec(home.toString(), true).hostPath()).isEqualTo(home);
    }

    @Test
    void allowsAProjectBelowHome() throws Exception {
        Path home = Files.createDirectory(tmp.resolve("home"));
        Path proj = Files.createDirectory(home.resolve("proj"));
        assertThat(validator(home).validateSpec("~/proj:rw", false).hostPath()).isEqualTo(proj);
    }

    @Test
    void refusesUnsafeFolderNames() {
        assertThatThrownBy(() -> new Mount(Path.of("/x"), "a/b", Access.RO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Mount(Path.of("/x"), "..", Access.RO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Mount(Path.of("/x"), "", Access.RO)).isInstanceOf(IllegalArgumentException.class);
    }
}
