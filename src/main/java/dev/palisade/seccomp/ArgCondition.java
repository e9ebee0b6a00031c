package dev.palisade.seccomp;

import java.util.Objects;

/**
 * One comparison on a syscall argument, as in an OCI profile's {@code args} entry.
 *
 * @param index the argument, 0–5
 * @param value the value compared with, or the mask for {@link CompareOp#MASKED_EQ}
 * @param valueTwo the masked value for {@link CompareOp#MASKED_EQ}; unused otherwise
 * @param op the comparison
 */
public record ArgCondition(int index, long value, long valueTwo, CompareOp op) {
    /** Validates the index range. */
    public ArgCondition {
        Objects.requireNonNull(op, "op");
        if (index < 0 || index > 5) {
            throw new IllegalArgumentException("argument index must be 0-5: " + index);
        }
    }

    /** Human-readable form: {@code arg0 & 0x3f == 0x1}. */
    public String describe() {
        return switch (op) {
            case MASKED_EQ -> "arg" + index + " & 0x" + Long.toHexString(value) + " == 0x" + Long.toHexString(valueTwo);
            case NE -> "arg" + index + " != 0x" + Long.toHexString(value);
            case LT -> "arg" + index + " < 0x" + Long.toHexString(value);
            case LE -> "arg" + index + " <= 0x" + Long.toHexString(value);
            case EQ -> "arg" + index + " == 0x" + Long.toHexString(value);
            case GE -> "arg" + index + " >= 0x" + Long.toHexString(value);
            case GT -> "arg" + index + " > 0x" + Long.toHexString(value);
        };
    }
}
