package dev.palisade.seccomp;

import java.util.Map;
import java.util.OptionalInt;

/**
 * x86_64 numbers of syscalls newer than the libseccomp on the machine may know (libseccomp
 * 2.5.4 stops around Linux 5.17), from arch/x86/entry/syscalls/syscall_64.tbl. Used only when
 * libseccomp cannot resolve a name and the native architecture is x86_64, so a profile can deny
 * e.g. open_tree_attr on a new kernel with an old libseccomp.
 */
final class NewerSyscalls {
    private static final Map<String, Integer> X86_64 = Map.ofEntries(
            Map.entry("cachestat", 451), Map.entry("fchmodat2", 452), Map.entry("map_shadow_stack", 453),
            Map.entry("futex_wake", 454), Map.entry("futex_wait", 455), Map.entry("futex_requeue", 456),
            Map.entry("statmount", 457), Map.entry("listmount", 458), Map.entry("lsm_get_self_attr", 459),
            Map.entry("lsm_set_self_attr", 460), Map.entry("lsm_list_modules", 461), Map.entry("mseal", 462),
            Map.entry("setxattrat", 463), Map.entry("getxattrat", 464), Map.entry("listxattrat", 465),
            Map.entry("removexattrat", 466), Map.entry("open_tree_attr", 467));

    private NewerSyscalls() {
    }

    static OptionalInt x86_64(String name) {
        Integer n = X86_64.get(name);
        return n == null ? OptionalInt.empty() : OptionalInt.of(n);
    }
}
