package dev.palisade.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code palisade image build|install}. Lives beside the image code; the launcher registers it as
 * a subcommand. Exit status 0 on success, 125 (Palisade failed) with a one-line message otherwise.
 */
@Command(name = "image", description = "Build and install VM images.",
        subcommands = {ImageCommand.Build.class, ImageCommand.Install.class})
public final class ImageCommand {
    static final int FAILED = 125;

    /** Creates the command (picocli instantiates it). */
    public ImageCommand() {
    }

    static int fail(String message) {
        System.err.println("palisade: " + message);
        return FAILED;
    }

    /** {@code palisade image build}: a bundle from the host's Debian kernel and busybox. */
    @Command(name = "build", description = "Build an image bundle from this host's kernel and busybox.")
    static final class Build implements Callable<Integer> {
        @Option(names = "--name", defaultValue = "palisade-base", description = "Image name (default: ${DEFAULT-VALUE}).")
        String name;

        @Option(names = "--version", defaultValue = "0.1.0", description = "Image version (default: ${DEFAULT-VALUE}).")
        String version;

        @Option(names = "--shim-only", description = "Leave out the Java agent; the guest runs the busybox shim.")
        boolean shimOnly;

        @Option(names = "--out", required = true,
                description = "Where to write the bundle: a directory, or a single file when the name ends in .bundle.")
        Path out;

        @Override
        public Integer call() {
            try {
                ImageBuilder.Inputs in = ImageBuilder.hostInputs();
                AgentRuntime agent = shimOnly ? null : AgentRuntime.ofThisJvm(
                        ImageInstaller.defaultStore().resolveSibling("jlink"));
                Manifest m;
                if (out.getFileName().toString().endsWith(".bundle")) {
                    Path parent = out.toAbsolutePath().getParent();
                    Path tmp = Files.createTempDirectory(parent, ".build-");
                    try {
                        m = ImageBuilder.build(in, agent, name, version, tmp.resolve("bundle"), TerminalProgress.forConsole());
                        ImageBuilder.pack(tmp.resolve("bundle"), out);
                    } finally {
                        Trees.deleteQuietly(tmp);
                    }
                } else {
                    m = ImageBuilder.build(in, agent, name, version, out, TerminalProgress.forConsole());
                }
                System.out.println("built " + m.installName() + " (guest kernel " + m.kernelRelease() + ") at " + out);
                return 0;
            } catch (IOException | IllegalArgumentException e) {
                return fail("image build failed: " + e.getMessage());
            }
        }
    }

    /** {@code palisade image install FILE|DIR}: verify every hash, then install atomically. */
    @Command(name = "install", description = "Verify an image bundle and install it under the image store.")
    static final class Install implements Callable<Integer> {
        @Parameters(paramLabel = "FILE|DIR", description = "The bundle file or directory.")
        Path bundle;

        @Option(names = "--store", description = "Image store (default: $XDG_CACHE_HOME/palisade/images).")
        Path store;

        @Override
        public Integer call() {
            try {
                InstalledImage img = ImageInstaller.install(bundle,
                        store != null ? store : ImageInstaller.defaultStore(), TerminalProgress.forConsole());
                System.out.println("installed " + img.manifest().installName() + " at " + img.dir());
                return 0;
            } catch (IOException e) {
                return fail("image install refused: " + e.getMessage());
            }
        }
    }
}
