package dev.palisade.seccomp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.palisade.sandbox.Tier;

/** Loading, checking and refusing profiles; no sandbox needed (libseccomp compiles them). */
class SeccompProfileTest {
    @TempDir
    Path dir;

    private Path write(String json) throws Exception {
        Path p = dir.resolve("profile.json");
        Files.writeString(p, json);
        return p;
    }

    @Test
    void defaultProfileCompilesAndEveryRuleSaysWhy() throws Exception {
        SeccompProfile p = SeccompProfile.defaultProfile();
        assertThat(p.defaultAction()).isEqualTo(new SeccompAction.Allow());
        assertThat(p.rules()).allSatisfy(r -> assertThat(r.comment()).hasSizeGreaterThan(40));
        assertThat(BpfCompiler.compile(p).length % 8).as("BPF is whole sock_filter entries").isZero();
        assertThat(p.rules()).filteredOn(r -> r.names().contains("clone3"))
                .singleElement().extracting(SyscallRule::action).isEqualTo(new SeccompAction.Errno(38));
    }

    @Test
    void defaultProfileNamesEveryCallTheIssueRequires() throws Exception {
        Set<String> named = new TreeSet<>();
        SeccompProfile.defaultProfile().rules().forEach(r -> named.addAll(r.names()));
        assertThat(named).contains("unshare", "clone", "clone3", "setns", "mount", "umount2", "fsopen", "fsmount",
                "open_tree", "move_mount", "pivot_root", "chroot", "ptrace", "process_vm_readv", "process_vm_writev",
                "pidfd_getfd", "kcmp", "bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter",
                "io_uring_register", "keyctl", "add_key", "request_key", "kexec_load", "kexec_file_load",
                "init_module", "finit_module", "delete_module", "reboot", "swapon", "swapoff", "acct", "personality",
                "open_by_handle_at", "name_to_handle_at", "socket", "socketpair", "ioctl");
    }

    @Test
    void socketFamilyMasksLeaveExactlyInetInet6AndUnixWhateverTheHighBits() throws Exception {
        SyscallRule socket = rule(SeccompProfile.defaultProfile(), "socket");
        SyscallRule noUnix = rule(SeccompProfile.noUnixSockets(), "socket");
        for (long family = 0; family < 64; family++) {
            for (long high : new long[] {0, 1L << 32, 0xdead_0000_0000_0000L, 0xffff_ffff_0000_0000L}) {
                long arg = family | high;
                boolean allowed = family == 1 || family == 2 || family == 10;
                assertThat(matches(socket, arg)).as("family %d | %x denied by profile", family, high).isEqualTo(!allowed);
                assertThat(matches(noUnix, arg)).as("family %d | %x denied as AF_UNIX", family, high)
                        .isEqualTo(family == 1);
            }
        }
    }

    @Test
    void personalityAllowsOnlyZeroAndTheQueryInTheLow32Bits() throws Exception {
        SyscallRule personality = rule(SeccompProfile.defaultProfile(), "personality");
        java.util.Random rnd = new java.util.Random(42);
        for (int i = 0; i < 20000; i++) {
            long v = i < 64 ? (1L << i) : i < 128 ? ~(1L << (i - 64)) : rnd.nextLong();
            int low = (int) v;
            assertThat(matches(personality, v)).as("0x%x", v).isEqualTo(low != 0 && low != -1);
        }
        assertThat(matches(personality, 0)).isFalse();
        assertThat(matches(personality, 0xffff_ffffL)).isFalse();
        assertThat(matches(personality, 0x0040_0000L)).as("READ_IMPLIES_EXEC").isTrue();
    }

    /** Evaluates a rule on argument 0 (or 1 for ioctl/socketpair types) as the BPF would. */
    private static boolean matches(SyscallRule r, long arg) {
        var conds = r.conditions();
        java.util.function.Predicate<ArgCondition> holds = c -> switch (c.op()) {
            case MASKED_EQ -> (arg & c.value()) == c.valueTwo();
            case EQ -> arg == c.value();
            case NE -> arg != c.value();
            case LT -> Long.compareUnsigned(arg, c.value()) < 0;
            case LE -> Long.compareUnsigned(arg, c.value()) <= 0;
            case GT -> Long.compareUnsigned(arg, c.value()) > 0;
            case GE -> Long.compareUnsigned(arg, c.value()) >= 0;
        };
        return r.conditionsOred() ? conds.stream().anyMatch(holds) : conds.stream().allMatch(holds);
    }

    private static SyscallRule rule(SeccompProfile p, String name) {
        return p.rules().stream().filter(r -> r.names().contains(name)).findFirst().orElseThrow();
    }

    @Test
    void refusesAnUnknownSyscallNameNamingIt() throws Exception {
        Path p = write("""
                {"defaultAction": "SCMP_ACT_ALLOW",
                 "syscalls": [{"names": ["ptrace", "frobnicate"], "action": "SCMP_ACT_ERRNO"}]}
                """);
        assertThatThrownBy(() -> SeccompProfile.load(p.toString()))
                .isInstanceOf(SeccompException.class)
                .hasMessage("seccomp profile " + p + ": syscalls[0].names: unknown syscall name 'frobnicate'");
    }

    @Test
    void refusesABadActionNamingIt() throws Exception {
        Path p = write("""
                {"defaultAction": "SCMP_ACT_ALLOW",
                 "syscalls": [{"names": ["ptrace"], "action": "SCMP_ACT_DENY"}]}
                """);
        assertThatThrownBy(() -> SeccompProfile.load(p.toString()))
                .isInstanceOf(SeccompException.class)
                .hasMessageStartingWith("seccomp profile " + p + ": syscalls[0].action: unknown action 'SCMP_ACT_DENY'");
    }

    @Test
    void refusesMalformedJsonWithItsLocation() throws Exception {
        Path p = write("{\"defaultAction\": \"SCMP_ACT_ALLOW\",\n \"syscalls\": [ {\"names\": [\"ptrace\"] ]}");
        assertThatThrownBy(() -> SeccompProfile.load(p.toString()))
                .isInstanceOf(SeccompException.class)
                .hasMessageStartingWith("seccomp profile " + p + ": malformed JSON: ")
                .hasMessageContaining("line 2");
    }

    @Test
    void refusesUnknownKeysBadComparisonsAndMissingFiles() throws Exception {
        Path p = write("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"defaultActoin\": 1}");
        assertThatThrownBy(() -> SeccompProfile.load(p.toString())).hasMessageEndingWith("unknown key 'defaultActoin'");
        Path q = write("""
                {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["ioctl"], "action": "SCMP_ACT_ERRNO",
                 "args": [{"index": 1, "value": 21522, "op": "SCMP_CMP_LIKE"}]}]}
                """);
        assertThatThrownBy(() -> SeccompProfile.load(q.toString()))
                .hasMessageContaining("syscalls[0].args[0].op: unknown comparison 'SCMP_CMP_LIKE'");
        assertThatThrownBy(() -> SeccompProfile.load(dir.resolve("missing.json").toString()))
                .hasMessageEndingWith("missing.json: no such file");
        assertThatThrownBy(() -> SeccompProfile.load(write("""
                {"defaultAction": "SCMP_ACT_NOTIFY"}""").toString())).hasMessageContaining("SCMP_ACT_NOTIFY is not supported");
    }

    @Test
    void noneIsRefusedUnlessTheTierIsDirect() throws Exception {
        assertThat(SeccompProfile.forPolicy("none", Tier.DIRECT, dir)).isEmpty();
        assertThatThrownBy(() -> SeccompProfile.forPolicy("none", Tier.NAMESPACE, dir))
                .isInstanceOf(SeccompException.class)
                .hasMessage("seccomp: 'none' is only allowed with tier direct (tier is namespace)");
        assertThatThrownBy(() -> SeccompProfile.forPolicy("none", Tier.VM, dir)).isInstanceOf(SeccompException.class);
        assertThat(SeccompProfile.forPolicy("default", Tier.NAMESPACE, dir)).get()
                .extracting(SeccompProfile::source).isEqualTo("default");
        write("{\"defaultAction\": \"SCMP_ACT_ALLOW\"}");
        assertThat(SeccompProfile.forPolicy("profile.json", Tier.NAMESPACE, dir)).isPresent();
    }

    @Test
    void dockerStyleProfilesApplyOnlyTheRulesThatFitThisMachine() throws Exception {
        SeccompProfile p = SeccompProfile.parse("docker-like", """
                {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
                 "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
                             {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}],
                 "syscalls": [
                   {"names": ["read", "write", "socketcall", "_llseek"], "action": "SCMP_ACT_ALLOW", "args": [], "comment": ""},
                   {"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
                   {"names": ["personality"], "action": "SCMP_ACT_ALLOW", "excludes": {"caps": ["CAP_SYS_ADMIN"]},
                    "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}]},
                   {"names": ["arch_prctl"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["amd64", "x32"]}},
                   {"names": ["sync_file_range2"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["ppc64le"]}},
                   {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38, "includes": {"minKernel": "5.3"}}
                 ]}
                """);
        assertThat(p.architectures()).containsExactly("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
        assertThat(p.rules()).extracting(r -> r.names().getFirst())
                .containsExactly("read", "personality", "arch_prctl", "clone3");
        assertThat(p.defaultAction()).isEqualTo(new SeccompAction.Errno(1));
        assertThat(SeccompFilter.create(p, false).programs()).hasSize(2);
    }

    @Test
    void showPrintsEveryRuleWithItsReasonAndTheUnixSocketFilter() throws Exception {
        var bytes = new java.io.ByteArrayOutputStream();
        SeccompCommands.show(SeccompProfile.defaultProfile(), false, true,
                new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8));
        String out = bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(out).contains("default action: SCMP_ACT_ALLOW", "other ABIs:     SCMP_ACT_ERRNO(EPERM)",
                "clone3 -> SCMP_ACT_ERRNO(ENOSYS)", "ioctl -> SCMP_ACT_ERRNO(EPERM)",
                "  when arg1 & 0xffffffff == 0x5412 OR arg1 & 0xffffffff == 0x541c",
                "# also installed because the policy does not allow named Unix sockets:",
                "when arg0 & 0xffffffff == 0x1", "# pseudo filter code start", "--remount-ro /proc");
        assertThat(out.lines().filter(l -> l.startsWith("  why: ")).count()).isEqualTo(
                SeccompProfile.defaultProfile().rules().size() + SeccompProfile.noUnixSockets().rules().size());
        assertThat(List.of(out.split("\n"))).doesNotContain("  why: ");
    }
}
