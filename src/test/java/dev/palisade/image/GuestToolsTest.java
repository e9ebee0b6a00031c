package dev.palisade.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.palisade.seccomp.SeccompFilter;
import dev.palisade.testing.Prerequisites;
import org.junit.jupiter.api.Test;

/** bwrap, setpriv, their libraries and the default seccomp programs go into the initramfs and the manifest's list. */
class GuestToolsTest {

    @Test
    void theLoaderListsBwrapsLibrariesWithLibcAndItself() throws Exception {
        Prerequisites.require(Files.isExecutable(GuestTools.BWRAP), "bwrap (bubblewrap)");
        List<Path> libs = GuestTools.libraries(GuestTools.BWRAP);
        assertThat(libs).contains(GuestTools.LOADER);
        assertThat(libs).anyMatch(p -> p.getFileName().toString().equals("libc.so.6"));
        // bwrap links libcap (Debian's build); every listed library exists.
        assertThat(libs).anyMatch(p -> p.getFileName().toString().startsWith("libcap.so"));
        assertThat(libs).allMatch(Files::isRegularFile);
    }

    @Test
    void theInitramfsListsBwrapSetprivTheirLibrariesAndTheSeccompPrograms() throws Exception {
        Prerequisites.require(Files.isExecutable(GuestTools.BWRAP), "bwrap (bubblewrap)");
        Prerequisites.require(Files.isExecutable(GuestTools.SETPRIV), "setpriv (util-linux)");
        CpioWriter cpio = new CpioWriter();
        List<GuestFile> files = new ArrayList<>(GuestTools.addTo(cpio));
        assertThat(files).extracting(GuestFile::path).contains("usr/bin/bwrap", "usr/bin/setpriv",
                "lib64/ld-linux-x86-64.so.2", "lib/x86_64-linux-gnu/libc.so.6");
        // Each library once, though both tools load libc.
        assertThat(files).extracting(GuestFile::path).doesNotHaveDuplicates();
        // setpriv's own libraries (libcap-ng on Debian) are there too.
        for (Path lib : GuestTools.libraries(GuestTools.SETPRIV)) {
            assertThat(cpio.has(lib.toString().substring(1))).as(lib.toString()).isTrue();
        }
        for (GuestFile f : files) {
            assertThat(cpio.has(f.path())).as(f.path()).isTrue();
        }
        GuestFile bwrap = files.stream().filter(f -> f.path().equals("usr/bin/bwrap")).findFirst().orElseThrow();
        assertThat(bwrap.sha256()).isEqualTo(Sha256.hex(Files.readAllBytes(GuestTools.BWRAP)));
        GuestFile setpriv = files.stream().filter(f -> f.path().equals("usr/bin/setpriv")).findFirst().orElseThrow();
        assertThat(setpriv.sha256()).isEqualTo(Sha256.hex(Files.readAllBytes(GuestTools.SETPRIV)));
        assertThat(cpio.has("usr/bin/setpriv")).isTrue();
        // The same programs the namespace tier hands its bwrap for the default policy.
        List<byte[]> programs = SeccompFilter.defaultPrograms();
        for (int i = 0; i < programs.size(); i++) {
            String name = "etc/palisade/seccomp/" + i + ".bpf";
            GuestFile f = files.stream().filter(g -> g.path().equals(name)).findFirst().orElseThrow();
            assertThat(f.sha256()).isEqualTo(Sha256.hex(programs.get(i)));
        }
        assertThat(programs).hasSizeGreaterThanOrEqualTo(2);
    }
}
