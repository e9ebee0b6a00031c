package dev.palisade.vm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Decides between KVM and TCG. A /dev/kvm that exists is not proof that guests boot: some hosts
 * expose a paravirtual backend on which a stock kernel hangs. So when /dev/kvm is usable the image
 * is booted once with KVM, and the verdict is cached per host kernel and image; without /dev/kvm
 * the answer is TCG at once.
 */
public final class KvmProbe {
    private static final System.Logger LOG = System.getLogger(KvmProbe.class.getName());

    /**
     * The accelerator to use and why, for {@code palisade doctor}.
     *
     * @param accelerator KVM or TCG
     * @param reason one line of explanation
     * @param cached whether the verdict came from the cache
     */
    public record Verdict(Accelerator accelerator, String reason, boolean cached) {
    }

    /** A test boot with KVM: true when the guest agent said hello in time. */
    @FunctionalInterface
    public interface TestBoot {
        /**
         * Boots the image once with KVM.
         *
         * @return whether the agent said hello in time
         * @throws IOException with the reason when it did not
         */
        boolean boots() throws IOException, InterruptedException;
    }

    private KvmProbe() {
    }

    /**
     * Decides the accelerator.
     *
     * @param devKvm the KVM device, normally /dev/kvm
     * @param cacheFile where verdicts of test boots are kept
     * @param key what the verdict depends on: host kernel release and image name-version
     * @param boot the test boot, run only when /dev/kvm is usable and no verdict is cached
     * @return the verdict
     */
    public static Verdict decide(Path devKvm, Path cacheFile, String key, TestBoot boot)
            throws IOException, InterruptedException {
        if (!Files.exists(devKvm)) {
            return new Verdict(Accelerator.TCG, "no " + devKvm + ": using TCG (software emulation)", false);
        }
        if (!Files.isReadable(devKvm) || !Files.isWritable(devKvm)) {
            return new Verdict(Accelerator.TCG, devKvm + " is not readable and writable by this user "
                    + "(group kvm?): using TCG", false);
        }
        if (key.indexOf('\n') >= 0 || key.indexOf('\t') >= 0) {
            throw new IllegalArgumentException("cache key contains a tab or newline");
        }
        if (Files.isRegularFile(cacheFile)) {
            String[] f = Files.readString(cacheFile, StandardCharsets.UTF_8).strip().split("\t", 3);
            if (f.length == 3 && f[0].equals(key)) {
                try {
                    return new Verdict(Accelerator.valueOf(f[1]), f[2], true);
                } catch (IllegalArgumentException e) {
                    LOG.log(System.Logger.Level.WARNING, "ignoring corrupt KVM verdict cache " + cacheFile);
                }
            }
        }
        Verdict v;
        try {
            v = boot.boots()
                    ? new Verdict(Accelerator.KVM, "KVM test boot reached the guest agent", false)
                    : new Verdict(Accelerator.TCG, devKvm + " exists but a KVM test boot did not reach the agent: "
                            + "using TCG", false);
        } catch (IOException e) {
            String first = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
            v = new Verdict(Accelerator.TCG, devKvm + " exists but a KVM test boot failed (" + first
                    + "): using TCG", false);
        }
        Files.createDirectories(cacheFile.toAbsolutePath().getParent());
        Path tmp = cacheFile.resolveSibling(cacheFile.getFileName() + ".tmp");
        Files.writeString(tmp, key + "\t" + v.accelerator() + "\t" + v.reason().replace('\n', ' ').replace('\t', ' ')
                + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, cacheFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return v;
    }
}
