package dev.palisade.sdk;

/**
 * What a {@link SandboxProcess} reports: the closed set of events its callbacks receive.
 */
public sealed interface ProcessEvent permits OutputChunk, LostOutput, Violation, ExitStatus {
    /**
     * The process it belongs to, e.g. {@code zealous-ramanujan/p1}.
     *
     * @return the process id
     */
    String process();
}
