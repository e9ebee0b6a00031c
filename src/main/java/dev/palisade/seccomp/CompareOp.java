package dev.palisade.seccomp;

/** The argument comparisons of seccomp_rule_add(3), with their OCI names and enum values. */
public enum CompareOp {
    /** {@code arg != value}. */
    NE(1),
    /** {@code arg < value} (unsigned 64-bit). */
    LT(2),
    /** {@code arg <= value}. */
    LE(3),
    /** {@code arg == value}. */
    EQ(4),
    /** {@code arg >= value}. */
    GE(5),
    /** {@code arg > value}. */
    GT(6),
    /** {@code (arg & value) == valueTwo}: value is the mask. */
    MASKED_EQ(7);

    private final int code;

    CompareOp(int code) {
        this.code = code;
    }

    /** The {@code enum scmp_compare} value. */
    public int code() {
        return code;
    }

    /** The OCI spelling, e.g. {@code SCMP_CMP_MASKED_EQ}. */
    public String ociName() {
        return "SCMP_CMP_" + name();
    }
}
