package dev.palisade.seccomp;

/**
 * What the filter does with a matching syscall: the OCI {@code SCMP_ACT_*} actions
 * (seccomp_rule_add(3)). {@code SCMP_ACT_NOTIFY} is not supported (it needs a listener).
 */
public sealed interface SeccompAction {
    /** Let the call through. */
    record Allow() implements SeccompAction {
    }

    /** Let the call through and log it to the kernel audit log. */
    record Log() implements SeccompAction {
    }

    /**
     * Fail the call with an errno, without running it.
     *
     * @param errno the errno value returned to the caller, 0–4095
     */
    record Errno(int errno) implements SeccompAction {
        /** Validates the range the kernel passes back (SECCOMP_RET_DATA, errno ≤ MAX_ERRNO). */
        public Errno {
            if (errno < 0 || errno > 4095) {
                throw new IllegalArgumentException("errno out of range 0-4095: " + errno);
            }
        }
    }

    /** Kill the whole process (thread group) with SIGSYS. */
    record KillProcess() implements SeccompAction {
    }

    /** Kill only the calling thread. */
    record KillThread() implements SeccompAction {
    }

    /** Send SIGSYS to the caller. */
    record Trap() implements SeccompAction {
    }

    /**
     * Notify a ptrace tracer; without one the call fails with ENOSYS.
     *
     * @param msg the value the tracer receives, 0–65535
     */
    record Trace(int msg) implements SeccompAction {
        /** Validates the 16-bit range. */
        public Trace {
            if (msg < 0 || msg > 0xffff) {
                throw new IllegalArgumentException("trace message out of range 0-65535: " + msg);
            }
        }
    }

    /**
     * The libseccomp action value ({@code SCMP_ACT_*} macros in seccomp.h).
     *
     * @return the 32-bit action
     */
    default int code() {
        return switch (this) {
            case Allow a -> 0x7fff0000;
            case Log l -> 0x7ffc0000;
            case Errno e -> 0x00050000 | (e.errno() & 0xffff);
            case KillProcess k -> 0x80000000;
            case KillThread k -> 0x00000000;
            case Trap t -> 0x00030000;
            case Trace t -> 0x7ff00000 | (t.msg() & 0xffff);
        };
    }

    /**
     * The OCI spelling, for display.
     *
     * @return e.g. {@code SCMP_ACT_ERRNO(EPERM)}
     */
    default String describe() {
        return switch (this) {
            case Allow a -> "SCMP_ACT_ALLOW";
            case Log l -> "SCMP_ACT_LOG";
            case Errno e -> "SCMP_ACT_ERRNO(" + ErrnoNames.name(e.errno()) + ")";
            case KillProcess k -> "SCMP_ACT_KILL_PROCESS";
            case KillThread k -> "SCMP_ACT_KILL_THREAD";
            case Trap t -> "SCMP_ACT_TRAP";
            case Trace t -> "SCMP_ACT_TRACE(" + t.msg() + ")";
        };
    }
}
