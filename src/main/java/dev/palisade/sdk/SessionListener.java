package dev.palisade.sdk;

/**
 * Receives what a {@link Session#subscribe subscribed} session does. Its methods run on one delivery
 * thread per subscription, in the order the daemon sent the events, never on the connection's
 * reader; a method that throws is logged and the next event still comes.
 */
public interface SessionListener {
    /**
     * A process of the session: with replay first every process it has had (ended ones too), then
     * each new one as it starts, before its first output. Register callbacks on it here; its events
     * are held until the first callback of their kind, so none is missed.
     *
     * @param process the process
     * @param argv its command line
     */
    void process(SandboxProcess process, java.util.List<String> argv);

    /**
     * A state change of the session: {@code closing}, then {@code closed}.
     *
     * @param state the new state
     */
    default void state(String state) {
    }

    /**
     * A violation of the session that names no process (file API refusals, the credential broker);
     * those of a process also reach its {@link SandboxProcess#onViolation} callbacks.
     *
     * @param violation what was refused; {@code process()} is empty when it names none
     */
    default void violation(Violation violation) {
    }
}
