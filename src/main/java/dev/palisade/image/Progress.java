package dev.palisade.image;

/**
 * Where image build and install report how far they are. Phases are reported in order; within a
 * phase {@code done} only grows and reaches {@code total} when the phase ends.
 */
@FunctionalInterface
public interface Progress {
    /** Reports nothing (tests, scripts, output that is not a terminal). */
    Progress NONE = (phase, done, total) -> { };

    /**
     * Reports the state of a phase.
     *
     * @param phase what is being done, e.g. {@code "verify initramfs"}
     * @param done bytes done so far in this phase
     * @param total bytes this phase has in all
     */
    void update(String phase, long done, long total);
}
