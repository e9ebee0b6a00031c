package dev.palisade.sys;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.List;

/**
 * A libseccomp filter context, bound through FFM. See seccomp_init(3), seccomp_rule_add(3),
 * seccomp_arch_add(3), seccomp_attr_set(3), seccomp_export_bpf(3).
 *
 * <p>libseccomp reports failures as negative errno values in the return code (it does not set
 * {@code errno} reliably), so every call's return code is checked here and turned into an
 * {@link IOException} naming the call and the errno. Not thread-safe; one context per compilation.
 */
@SuppressWarnings("restricted") // FFM downcalls are this class's purpose; native access is enabled for the JVM
public final class LibSeccomp implements AutoCloseable {
    /** {@code SCMP_FLTATR_ACT_BADARCH}: the action for syscalls of an architecture not in the filter. */
    public static final int ATTR_ACT_BADARCH = 2;
    /** {@code SCMP_FLTATR_CTL_NNP}: whether seccomp_load sets no_new_privs (we never load here). */
    public static final int ATTR_CTL_NNP = 3;
    /** {@code SCMP_FLTATR_CTL_OPTIMIZE}: 2 = binary tree of syscalls, fewer instructions per call. */
    public static final int ATTR_CTL_OPTIMIZE = 8;

    /** {@code __NR_SCMP_ERROR}: returned by the resolvers for a name libseccomp does not know. */
    public static final int NR_SCMP_ERROR = -1;

    /** {@code struct scmp_arg_cmp { unsigned int arg; enum scmp_compare op; scmp_datum_t a, b; }}. */
    private static final StructLayout ARG_CMP = MemoryLayout.structLayout(
            ValueLayout.JAVA_INT.withName("arg"),
            ValueLayout.JAVA_INT.withName("op"),
            ValueLayout.JAVA_LONG.withName("datum_a"),
            ValueLayout.JAVA_LONG.withName("datum_b"));

    private static final MethodHandle INIT;
    private static final MethodHandle RELEASE;
    private static final MethodHandle ARCH_ADD;
    private static final MethodHandle ARCH_REMOVE;
    private static final MethodHandle ARCH_NATIVE;
    private static final MethodHandle ARCH_RESOLVE_NAME;
    private static final MethodHandle ATTR_SET;
    private static final MethodHandle SYSCALL_RESOLVE_NAME_ARCH;
    private static final MethodHandle RULE_ADD_ARRAY;
    private static final MethodHandle EXPORT_BPF;
    private static final MethodHandle EXPORT_PFC;

    static {
        Linker linker = Linker.nativeLinker();
        // Loaded by soname so the runtime package (libseccomp2) suffices; -dev is not needed.
        SymbolLookup lib = SymbolLookup.libraryLookup("libseccomp.so.2", Arena.global());
        INIT = handle(linker, lib, "seccomp_init",
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        RELEASE = handle(linker, lib, "seccomp_release", FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
        ARCH_ADD = handle(linker, lib, "seccomp_arch_add",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        ARCH_REMOVE = handle(linker, lib, "seccomp_arch_remove",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        ARCH_NATIVE = handle(linker, lib, "seccomp_arch_native", FunctionDescriptor.of(ValueLayout.JAVA_INT));
        ARCH_RESOLVE_NAME = handle(linker, lib, "seccomp_arch_resolve_name",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
        ATTR_SET = handle(linker, lib, "seccomp_attr_set",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT));
        SYSCALL_RESOLVE_NAME_ARCH = handle(linker, lib, "seccomp_syscall_resolve_name_arch",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
        // seccomp_rule_add is variadic; the _array form is not, so no firstVariadicArg is needed.
        RULE_ADD_ARRAY = handle(linker, lib, "seccomp_rule_add_array",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
        EXPORT_BPF = handle(linker, lib, "seccomp_export_bpf",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        EXPORT_PFC = handle(linker, lib, "seccomp_export_pfc",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    }

    /**
     * One argument comparison of a rule (seccomp_rule_add(3), "struct scmp_arg_cmp").
     *
     * @param arg the argument index, 0–5
     * @param op the {@code enum scmp_compare} value (1 = NE … 7 = MASKED_EQ)
     * @param datumA the value, or the mask for MASKED_EQ
     * @param datumB the masked value for MASKED_EQ, else unused
     */
    public record ArgCmp(int arg, int op, long datumA, long datumB) {
        /** Validates the index and operator ranges libseccomp accepts. */
        public ArgCmp {
            if (arg < 0 || arg > 5) {
                throw new IllegalArgumentException("argument index must be 0-5: " + arg);
            }
            if (op < 1 || op > 7) {
                throw new IllegalArgumentException("comparison operator must be 1-7: " + op);
            }
        }
    }

    private MemorySegment ctx;

    private LibSeccomp(MemorySegment ctx) {
        this.ctx = ctx;
    }

    /**
     * Creates a filter context for the native architecture (seccomp_init(3)).
     *
     * @param defaultAction the {@code SCMP_ACT_*} value for syscalls no rule matches
     * @return the context; close it
     * @throws IOException if libseccomp refuses the action or is out of memory
     */
    public static LibSeccomp init(int defaultAction) throws IOException {
        MemorySegment c;
        try {
            c = (MemorySegment) INIT.invokeExact(defaultAction);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (c.equals(MemorySegment.NULL)) {
            throw new IOException("seccomp_init(0x" + Integer.toHexString(defaultAction)
                    + ") failed: invalid default action or out of memory");
        }
        return new LibSeccomp(c);
    }

    /** The native architecture token ({@code SCMP_ARCH_*}, an AUDIT_ARCH_* value). */
    public static int nativeArch() {
        try {
            return (int) ARCH_NATIVE.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Resolves an architecture name as libseccomp spells it ("x86_64", "x86", "x32", "aarch64").
     *
     * @param name the name
     * @return the token, or 0 if libseccomp does not know the name
     */
    public static int resolveArch(String name) {
        try (Arena a = Arena.ofConfined()) {
            return (int) ARCH_RESOLVE_NAME.invokeExact(a.allocateFrom(name));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Resolves a syscall name for an architecture.
     *
     * @param arch the architecture token
     * @param name the syscall name
     * @return the number; a negative pseudo-number for a multiplexed or absent call (libseccomp
     *         then skips it on architectures that lack it); {@link #NR_SCMP_ERROR} if unknown
     */
    public static int resolveSyscall(int arch, String name) {
        try (Arena a = Arena.ofConfined()) {
            return (int) SYSCALL_RESOLVE_NAME_ARCH.invokeExact(arch, a.allocateFrom(name));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Adds an architecture (seccomp_arch_add(3)); rules added later apply to it too.
     *
     * @param arch the token
     * @throws IOException on a negative return code (-EEXIST if already present)
     */
    public void addArch(int arch) throws IOException {
        int rc;
        try {
            rc = (int) ARCH_ADD.invokeExact(live(), arch);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        check("seccomp_arch_add(0x" + Integer.toHexString(arch) + ")", rc);
    }

    /**
     * Removes an architecture (seccomp_arch_remove(3)), e.g. the native one when a profile
     * does not list it.
     *
     * @param arch the token
     * @throws IOException on a negative return code
     */
    public void removeArch(int arch) throws IOException {
        int rc;
        try {
            rc = (int) ARCH_REMOVE.invokeExact(live(), arch);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        check("seccomp_arch_remove(0x" + Integer.toHexString(arch) + ")", rc);
    }

    /**
     * Sets a filter attribute (seccomp_attr_set(3)).
     *
     * @param attr the {@code SCMP_FLTATR_*} value
     * @param value its value
     * @throws IOException on a negative return code
     */
    public void setAttr(int attr, int value) throws IOException {
        int rc;
        try {
            rc = (int) ATTR_SET.invokeExact(live(), attr, value);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        check("seccomp_attr_set(" + attr + ")", rc);
    }

    /**
     * Adds a rule (seccomp_rule_add_array(3)). All comparisons must hold for the rule to match.
     *
     * @param action the {@code SCMP_ACT_*} value
     * @param syscall the syscall number (or libseccomp pseudo-number)
     * @param cmps the comparisons, at most one per argument index
     * @throws IOException on a negative return code (-EACCES when the action equals the default,
     *         -EINVAL for a bad comparison, -EEXIST for a conflicting duplicate)
     */
    public void addRule(int action, int syscall, List<ArgCmp> cmps) throws IOException {
        int rc;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment arr = MemorySegment.NULL;
            if (!cmps.isEmpty()) {
                arr = a.allocate(ARG_CMP, cmps.size());
                for (int i = 0; i < cmps.size(); i++) {
                    ArgCmp c = cmps.get(i);
                    long base = i * ARG_CMP.byteSize();
                    arr.set(ValueLayout.JAVA_INT, base, c.arg());
                    arr.set(ValueLayout.JAVA_INT, base + 4, c.op());
                    arr.set(ValueLayout.JAVA_LONG, base + 8, c.datumA());
                    arr.set(ValueLayout.JAVA_LONG, base + 16, c.datumB());
                }
            }
            rc = (int) RULE_ADD_ARRAY.invokeExact(live(), action, syscall, cmps.size(), arr);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        check("seccomp_rule_add_array(action=0x" + Integer.toHexString(action) + ", syscall=" + syscall
                + ", " + cmps + ")", rc);
    }

    /**
     * Writes the filter as a raw BPF program (an array of {@code struct sock_filter}) to a
     * descriptor (seccomp_export_bpf(3)). This is the format bwrap's {@code --seccomp} reads.
     *
     * @param fd an open, writable descriptor
     * @throws IOException on a negative return code
     */
    public void exportBpf(int fd) throws IOException {
        int rc;
        try {
            rc = (int) EXPORT_BPF.invokeExact(live(), fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        check("seccomp_export_bpf", rc);
    }

    /**
     * Writes libseccomp's human-readable pseudo filter code to a descriptor (seccomp_export_pfc(3)).
     *
     * @param fd an open, writable descriptor
     * @throws IOException on a negative return code
     */
    public void exportPfc(int fd) throws IOException {
        int rc;
        try {
            rc = (int) EXPORT_PFC.invokeExact(live(), fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        check("seccomp_export_pfc", rc);
    }

    /** Releases the context (seccomp_release(3)). Idempotent. */
    @Override
    public void close() {
        if (ctx != null) {
            try {
                RELEASE.invokeExact(ctx);
            } catch (Throwable t) {
                throw rethrow(t);
            }
            ctx = null;
        }
    }

    private MemorySegment live() {
        if (ctx == null) {
            throw new IllegalStateException("seccomp context already released");
        }
        return ctx;
    }

    private static void check(String what, int rc) throws IOException {
        if (rc < 0) {
            throw new NativeException(what, -rc);
        }
    }

    private static MethodHandle handle(Linker linker, SymbolLookup lib, String name, FunctionDescriptor fd) {
        return linker.downcallHandle(lib.findOrThrow(name), fd);
    }

    /** Downcalls throw only what the native side cannot: errors of the JVM itself. */
    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("native call failed", t);
    }
}
