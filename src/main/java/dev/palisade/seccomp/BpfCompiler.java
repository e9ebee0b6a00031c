package dev.palisade.seccomp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import dev.palisade.sys.LibSeccomp;
import dev.palisade.sys.Memfd;

/** Compiles a {@link SeccompProfile} into a classic BPF program with libseccomp. */
final class BpfCompiler {
    /**
     * Syscalls of an architecture the filter does not list fail with EPERM rather than killing
     * the process: the same answer as every other denial (see the default profile's comment).
     */
    static final SeccompAction BAD_ARCH_ACTION = new SeccompAction.Errno(1);
    private static final int OPTIMIZE_BINARY_TREE = 2;
    private static final int X86_64 = 0xC000003E;
    /**
     * Programs by profile (records compare by value). Loading a profile compiles it to check it,
     * and every launch needs the same program again; the profiles of one process are few.
     */
    private static final Map<SeccompProfile, byte[]> CACHE = new ConcurrentHashMap<>();
    /** Native syscall numbers by name (the native architecture does not change at run time). */
    private static final Map<String, Integer> NUMBERS = new ConcurrentHashMap<>();

    private BpfCompiler() {
    }

    /**
     * Compiles the profile.
     *
     * @param profile the profile
     * @return the BPF program (an array of 8-byte {@code struct sock_filter}), as bwrap reads it
     * @throws SeccompException naming the rule and syscall libseccomp refused
     */
    static byte[] compile(SeccompProfile profile) throws SeccompException {
        byte[] cached = CACHE.get(profile);
        if (cached == null) {
            cached = compileUncached(profile);
            CACHE.putIfAbsent(profile, cached);
        }
        return cached.clone();
    }

    private static byte[] compileUncached(SeccompProfile profile) throws SeccompException {
        try (LibSeccomp ctx = build(profile)) {
            int fd = Memfd.create("palisade-seccomp-export");
            try {
                ctx.exportBpf(fd);
                return Memfd.readAll(fd);
            } finally {
                Memfd.close(fd);
            }
        } catch (IOException e) {
            throw new SeccompException("seccomp profile " + profile.source() + ": cannot export BPF: "
                    + e.getMessage(), e);
        }
    }

    /**
     * libseccomp's pseudo filter code for the profile (seccomp_export_pfc(3)), for {@code show}.
     *
     * @param profile the profile
     * @return the text
     * @throws SeccompException if the profile does not compile
     */
    static String pseudoCode(SeccompProfile profile) throws SeccompException {
        try (LibSeccomp ctx = build(profile)) {
            int fd = Memfd.create("palisade-seccomp-pfc");
            try {
                ctx.exportPfc(fd);
                return new String(Memfd.readAll(fd), StandardCharsets.UTF_8);
            } finally {
                Memfd.close(fd);
            }
        } catch (IOException e) {
            throw new SeccompException("seccomp profile " + profile.source() + ": " + e.getMessage(), e);
        }
    }

    private static LibSeccomp build(SeccompProfile profile) throws SeccompException {
        String where = "seccomp profile " + profile.source();
        LibSeccomp ctx;
        try {
            ctx = LibSeccomp.init(profile.defaultAction().code());
        } catch (IOException e) {
            throw new SeccompException(where + ": " + e.getMessage(), e);
        }
        try {
            ctx.setAttr(LibSeccomp.ATTR_ACT_BADARCH, BAD_ARCH_ACTION.code());
            ctx.setAttr(LibSeccomp.ATTR_CTL_OPTIMIZE, OPTIMIZE_BINARY_TREE);
            int nativeArch = LibSeccomp.nativeArch();
            Set<Integer> arches = new LinkedHashSet<>();
            for (String name : profile.architectures()) {
                int token = archToken(where, name);
                if (token != nativeArch && arches.add(token)) {
                    ctx.addArch(token);
                }
            }
            List<SyscallRule> rules = profile.rules();
            for (int i = 0; i < rules.size(); i++) {
                addRule(ctx, where + ": rule " + i, nativeArch, rules.get(i), profile.defaultAction());
            }
            return ctx;
        } catch (IOException | SeccompException | RuntimeException e) {
            ctx.close();
            if (e instanceof SeccompException se) {
                throw se;
            }
            throw new SeccompException(where + ": " + e.getMessage(), e);
        }
    }

    private static void addRule(LibSeccomp ctx, String where, int nativeArch, SyscallRule rule,
            SeccompAction defaultAction) throws SeccompException {
        for (String name : rule.names()) {
            int nr = syscallNumber(where, nativeArch, name);
            // libseccomp refuses a rule whose action is the default (-EACCES); it would change
            // nothing, so it is skipped as runc does.
            if (rule.action().equals(defaultAction)) {
                continue;
            }
            List<List<LibSeccomp.ArgCmp>> variants = new ArrayList<>();
            List<LibSeccomp.ArgCmp> all = rule.conditions().stream()
                    .map(c -> new LibSeccomp.ArgCmp(c.index(), c.op().code(), c.value(), c.valueTwo()))
                    .toList();
            if (rule.conditionsOred()) {
                for (LibSeccomp.ArgCmp c : all) {
                    variants.add(List.of(c));
                }
            } else {
                variants.add(all);
            }
            for (List<LibSeccomp.ArgCmp> v : variants) {
                try {
                    ctx.addRule(rule.action().code(), nr, v);
                } catch (IOException e) {
                    throw new SeccompException(where + " (" + name + "): " + e.getMessage(), e);
                }
            }
        }
    }

    /** The syscall's number on the native architecture, or an error naming it. */
    static int syscallNumber(String where, int nativeArch, String name) throws SeccompException {
        Integer known = NUMBERS.get(name);
        if (known != null) {
            return known;
        }
        int nr = resolve(where, nativeArch, name);
        NUMBERS.put(name, nr);
        return nr;
    }

    private static int resolve(String where, int nativeArch, String name) throws SeccompException {
        int nr = LibSeccomp.resolveSyscall(nativeArch, name);
        if (nr != LibSeccomp.NR_SCMP_ERROR) {
            return nr;
        }
        if (nativeArch == X86_64) {
            OptionalInt newer = NewerSyscalls.x86_64(name);
            if (newer.isPresent()) {
                return newer.getAsInt();
            }
        }
        throw new SeccompException(where + ": unknown syscall name '" + name + "'");
    }

    /** OCI names are libseccomp's with a prefix: SCMP_ARCH_X86_64 → x86_64. */
    private static int archToken(String where, String ociName) throws SeccompException {
        String prefix = "SCMP_ARCH_";
        int token = ociName.startsWith(prefix)
                ? LibSeccomp.resolveArch(ociName.substring(prefix.length()).toLowerCase(Locale.ROOT))
                : 0;
        if (token == 0) {
            throw new SeccompException(where + ": unknown architecture '" + ociName + "'");
        }
        return token;
    }
}
