package dev.palisade.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import dev.palisade.sandbox.Executables;
import picocli.CommandLine.Command;

/** {@code palisade doctor}: checks what the namespace tier needs and says how to fix each problem. */
@Command(name = "doctor", description = "Check the host for what the sandbox tiers need.")
final class DoctorCommand implements Callable<Integer> {
    private int problems;

    @Override
    public Integer call() {
        String kernel = read("/proc/sys/kernel/osrelease");
        report(kernel != null, "kernel " + (kernel == null ? "?" : kernel), "cannot read /proc/sys/kernel/osrelease");
        String bwrap = Executables.onPath("bwrap").map(Path::toString).orElse(null);
        if (bwrap == null) {
            report(false, "bwrap", "not found; install it: sudo apt-get install bubblewrap");
        } else {
            Result v = exec(List.of(bwrap, "--version"));
            report(v.status == 0, "bwrap " + v.output.trim() + " at " + bwrap, "bwrap --version failed: " + v.output);
        }
        String max = read("/proc/sys/user/max_user_namespaces");
        report(max == null || !max.equals("0"), "user namespaces allowed (user.max_user_namespaces=" + max + ")",
                "user.max_user_namespaces is 0; enable with: sudo sysctl -w user.max_user_namespaces=15000");
        String clone = read("/proc/sys/kernel/unprivileged_userns_clone");
        if (clone != null) {
            report(clone.equals("1"), "unprivileged user namespaces enabled (kernel.unprivileged_userns_clone=1)",
                    "kernel.unprivileged_userns_clone is 0; enable with: sudo sysctl -w kernel.unprivileged_userns_clone=1");
        }
        String apparmor = read("/proc/sys/kernel/apparmor_restrict_unprivileged_userns");
        if (apparmor != null) {
            report(apparmor.equals("0") || isRoot(),
                    "AppArmor does not restrict unprivileged user namespaces",
                    "AppArmor restricts unprivileged user namespaces (Ubuntu 23.10+). Either install an AppArmor"
                            + " profile that grants 'userns' to " + (bwrap == null ? "/usr/bin/bwrap" : bwrap)
                            + " (see docs/install.md), or: sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0");
        }
        if (bwrap != null) {
            List<String> probe = new ArrayList<>(List.of(bwrap, "--unshare-all", "--die-with-parent", "--new-session",
                    "--cap-drop", "ALL", "--ro-bind", "/usr", "/usr", "--proc", "/proc", "--dev", "/dev"));
            for (String d : List.of("/bin", "/lib", "/lib64", "/sbin")) {
                Path p = Path.of(d);
                try {
                    if (Files.isSymbolicLink(p)) {
                        probe.addAll(List.of("--symlink", Files.readSymbolicLink(p).toString(), d));
                    } else if (Files.isDirectory(p)) {
                        probe.addAll(List.of("--ro-bind", d, d));
                    }
                } catch (IOException e) {
                    report(false, "", "cannot read " + d + ": " + e.getMessage());
                }
            }
            probe.addAll(List.of("--", "/usr/bin/true"));
            Result r = exec(probe);
            report(r.status == 0, "a test sandbox starts (all namespaces, no capabilities)",
                    "a test sandbox failed: " + r.output.trim() + " — check the items above");
        }
        report(true, "running as " + (isRoot() ? "root (sandboxes still get a user namespace and no capabilities)"
                : "uid " + System.getProperty("user.name")), "");
        // Limits: "weak" lines are not problems (the host works), but say which limits need
        // --allow-weaker-limits here.
        for (String line : dev.palisade.limits.Enforcement.describeHost()) {
            System.out.println(line);
        }
        // The vm tier is optional: its lines inform, they are not problems of the host.
        dev.palisade.vm.VmSettings vm = dev.palisade.vm.VmSettings.defaults(null);
        System.out.println("vm    " + (Files.isExecutable(vm.qemu()) ? "QEMU at " + vm.qemu()
                : "no QEMU (the vm tier needs it: sudo apt-get install qemu-system-x86)"));
        try {
            System.out.println("vm    " + dev.palisade.vm.VmTier.describeAccelerator(vm));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        System.out.println(problems == 0 ? "doctor: all checks passed" : "doctor: " + problems + " problem(s) found");
        return problems == 0 ? 0 : 1;
    }

    private void report(boolean ok, String good, String bad) {
        if (ok) {
            System.out.println("ok    " + good);
        } else {
            problems++;
            System.out.println("FAIL  " + bad);
        }
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static String read(String file) {
        try {
            return dev.palisade.sandbox.ProcFiles.read(Path.of(file)).trim();
        } catch (IOException e) {
            return null;
        }
    }

    private record Result(int status, String output) {
    }

    private static Result exec(List<String> argv) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, "timed out");
            }
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            return new Result(-1, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    }
}
