package dev.palisade.sandbox;

/**
 * A handle on one command while {@link SandboxSession#run(Exec, CommandHandle)} runs it, for
 * callers that signal it from another thread (the daemon). The target is the one the launcher
 * learned itself: bwrap's {@code --info-fd} reports the sandbox's first process ({@code child-pid},
 * bwrap's init, pid 1 inside), which {@code --new-session} made the leader of the session and
 * process group that the command and all its children belong to; signals go to that group (kill(2)
 * with a negative pid), so the command's children get them too, while init ignores them (from
 * outside its pid namespace it only gets signals it has handlers for, pid_namespaces(7)). Nothing
 * is found by scanning /proc for look-alikes.
 *
 * <p>{@link #kill} works from the moment bwrap is spawned (a kill asked for earlier is carried out
 * then); {@link #signal} once the command's process group is known. The handle is detached right
 * after the launcher has reaped bwrap: there remains a window of a few instructions between
 * waitpid(2) returning and the detach in which the pid is free, so a signal could only reach
 * another process if the kernel handed out that pid again within it.
 */
public final class CommandHandle {
    private RunningCommand command;
    /** The command in a vm-tier session's guest, instead of {@link #command}. */
    private dev.palisade.vm.GuestProcess guest;
    private boolean running;
    private boolean killRequested;
    private boolean ended;

    /** A handle not yet attached to a command. */
    public CommandHandle() {
    }

    /** bwrap has been spawned: it may be killed from now on. */
    synchronized void spawned(RunningCommand rc) {
        if (!ended) {
            command = rc;
            if (killRequested) {
                rc.kill();
            }
        }
    }

    /** The command runs and its process group is known: it may be signalled from now on. */
    synchronized void attach(RunningCommand rc) {
        if (!ended) {
            command = rc;
            running = true;
        }
    }

    /**
     * The command runs in the session's VM: signals go to it through the guest agent, which
     * delivers them to the command's process group in the guest. A kill asked for earlier is
     * carried out now.
     */
    synchronized void attachGuest(dev.palisade.vm.GuestProcess p) {
        if (!ended) {
            guest = p;
            running = true;
            if (killRequested) {
                sendGuest(9);
            }
        }
    }

    private void sendGuest(int signal) {
        try {
            guest.signal(signal);
        } catch (java.io.IOException e) {
            // The command (or its VM) ended meanwhile: nothing left to signal.
            System.getLogger("palisade").log(System.Logger.Level.DEBUG, "signal to the guest failed: " + e.getMessage());
        }
    }

    synchronized void detach() {
        ended = true;
        running = false;
        command = null;
        guest = null;
    }

    /**
     * Sends a signal to the command's process group.
     *
     * @param signal the signal number
     * @return true if the command was running and the signal was sent, false if it has not started
     *     yet or has ended
     */
    public synchronized boolean signal(int signal) {
        if (!running) {
            return false;
        }
        if (guest != null) {
            sendGuest(signal);
        } else {
            command.signal(signal);
        }
        return true;
    }

    /**
     * Kills the whole sandbox of this command (SIGKILL to bwrap; its pid namespace dies with it).
     * Asked before bwrap is spawned, the kill happens as soon as it is.
     *
     * @return true if bwrap was running and got SIGKILL now
     */
    public synchronized boolean kill() {
        if (guest != null) {
            sendGuest(9); // the guest command's sandbox; the VM itself belongs to the session
            return true;
        }
        if (command == null) {
            killRequested = !ended;
            return false;
        }
        command.kill();
        return true;
    }

    /** Whether the command has ended (its sandbox has been reaped). */
    public synchronized boolean ended() {
        return ended;
    }
}
