package dev.palisade.seccomp;

import java.util.List;
import java.util.Objects;

/**
 * One entry of a profile's {@code syscalls} array that applies on this machine.
 *
 * <p>OCI semantics as runc implements them: the conditions are ANDed, except that when two or
 * more conditions name the same argument (which libseccomp cannot AND) each condition becomes
 * a rule of its own and they are ORed.
 *
 * @param names the syscall names
 * @param action what happens when the rule matches
 * @param conditions the argument comparisons (empty: every call matches)
 * @param comment why the rule exists
 */
public record SyscallRule(List<String> names, SeccompAction action, List<ArgCondition> conditions, String comment) {
    /** Validates and copies. */
    public SyscallRule {
        names = List.copyOf(names);
        Objects.requireNonNull(action, "action");
        conditions = List.copyOf(conditions);
        comment = comment == null ? "" : comment;
        if (names.isEmpty()) {
            throw new IllegalArgumentException("a syscall rule needs at least one name");
        }
    }

    /** Whether two conditions name the same argument, so the rule is split into ORed rules. */
    public boolean conditionsOred() {
        return conditions.stream().map(ArgCondition::index).distinct().count() < conditions.size();
    }
}
