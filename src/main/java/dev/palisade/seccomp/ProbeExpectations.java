package dev.palisade.seccomp;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the probe ({@code probe.c}) must report for each attempt under the default profile: the
 * exact errno, OK for the calls ordinary work needs, or the signal when the ABI does not exist.
 */
final class ProbeExpectations {
    private ProbeExpectations() {
    }

    /**
     * The expected results.
     *
     * @param allowUnixSockets whether the policy allows named Unix sockets
     * @param ia32Abi whether the kernel runs i386 code from 64-bit processes (int 0x80); without
     *        it the kernel raises SIGSEGV before seccomp sees the call
     * @return probe name → expected result, in probe order
     */
    static Map<String, String> forDefaultProfile(boolean allowUnixSockets, boolean ia32Abi) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String n : new String[] {"unshare_user", "unshare_net", "unshare_mount", "clone_newuser",
            "clone_newuser_highbits"}) {
            m.put(n, "EPERM");
        }
        m.put("clone3_newuser", "ENOSYS");
        m.put("clone3_plain", "ENOSYS");
        for (String n : new String[] {"setns", "fsopen", "open_tree", "open_tree_attr", "chroot",
            "ptrace_attach_pid1", "ptrace_traceme"}) {
            m.put(n, "EPERM");
        }
        m.put("proc_mem_write_pid1", "EROFS");
        m.put("proc_mem_write_sibling", "EROFS");
        for (String n : new String[] {"process_vm_writev", "process_vm_readv", "pidfd_getfd", "kcmp", "bpf",
            "perf_event_open", "userfaultfd_user_mode_only", "io_uring_setup", "add_key", "keyctl", "request_key",
            "kexec_load", "init_module", "finit_module", "delete_module", "reboot", "swapon", "acct",
            "personality_read_implies_exec", "personality_highbits"}) {
            m.put(n, "EPERM");
        }
        m.put("personality_query", "OK");
        m.put("personality_default", "OK");
        m.put("open_by_handle_at", "EPERM");
        m.put("name_to_handle_at", "EPERM");
        m.put("socket_inet", "OK");
        m.put("socket_inet6", "OK");
        String unix = allowUnixSockets ? "OK" : "EPERM";
        m.put("socket_unix_connect_host", unix);
        m.put("socket_unix_dgram_sendto_host", unix);
        m.put("socket_unix_highbits", unix);
        m.put("socket_netlink", "EPERM");
        m.put("socket_packet", "EPERM");
        m.put("socket_vsock", "EPERM");
        String ia32 = ia32Abi ? "EPERM" : "SIGNAL:11";
        m.put("socketcall_i386_unix", ia32);
        m.put("socket_i386_unix", ia32);
        m.put("socket_x32_unix", "EPERM");
        m.put("socketpair_unix_dgram_sendto_host", unix);
        m.put("socketpair_unix_stream", "OK");
        m.put("socketpair_unix_stream_sendto_host", "EISCONN");
        m.put("socketpair_unix_stream_connect_host", "EISCONN");
        m.put("ioctl_tiocsti", "EPERM");
        m.put("ioctl_tiocsti_highbits", "EPERM");
        m.put("ioctl_tioclinux", "EPERM");
        m.put("mount", "EPERM");
        m.put("umount2", "EPERM");
        m.put("pivot_root", "EPERM");
        return m;
    }
}
