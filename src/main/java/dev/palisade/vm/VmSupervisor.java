package dev.palisade.vm;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Keeps one guest alive: pings the agent every interval and, after {@code maxMissed} beats in a row
 * go unanswered (or QEMU exits), kills the VM and boots a fresh one. Commands that were running in
 * the old VM fail with an error (they are lost); new commands run in the new one. Restarts are
 * reported to a listener and counted, with the last cause, for the API.
 */
public final class VmSupervisor implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(VmSupervisor.class.getName());

    /** Boots a VM; called for the first boot and for every restart. */
    @FunctionalInterface
    public interface Booter {
        /**
         * Boots a VM and waits for the agent.
         *
         * @param attempt 0 for the first boot, then the restart number
         * @return the running VM
         */
        Vm boot(int attempt) throws IOException, InterruptedException;
    }

    /**
     * A restart happened.
     *
     * @param count how many restarts so far, this one included
     * @param cause why the old VM was given up
     * @param at when the new VM was ready
     */
    public record Restart(int count, String cause, Instant at) {
    }

    /** Missed beats in a row before a restart, unless configured otherwise. */
    public static final int DEFAULT_MAX_MISSED = 3;

    /**
     * The default beat interval: 2 s with KVM; 5 s under TCG, where the guest runs many times
     * slower and a busy host can delay a healthy answer by seconds.
     *
     * @param accelerator the VM's accelerator
     * @return the interval
     */
    public static Duration defaultInterval(Accelerator accelerator) {
        return switch (accelerator) {
            case KVM -> Duration.ofSeconds(2);
            case TCG -> Duration.ofSeconds(5);
        };
    }

    private final Booter booter;
    private final Duration interval;
    private final int maxMissed;
    private final Consumer<Restart> listener;
    private final Consumer<String> failed;
    private volatile Vm vm;
    private volatile int restarts;
    private volatile String lastCause;
    private volatile boolean closed;
    /** Whether the current failure was already reported (a restart may need several attempts). */
    private boolean reported;
    private Thread watcher;

    /**
     * @param booter boots VMs
     * @param interval time between beats, also each beat's timeout
     * @param maxMissed consecutive missed beats that trigger a restart
     * @param listener told about each restart
     */
    public VmSupervisor(Booter booter, Duration interval, int maxMissed, Consumer<Restart> listener) {
        this(booter, interval, maxMissed, cause -> { }, listener);
    }

    /**
     * @param booter boots VMs
     * @param interval time between beats, also each beat's timeout
     * @param maxMissed consecutive missed beats that trigger a restart
     * @param failed told the cause as soon as the old VM is given up and killed, before the new one
     *     boots: the commands it ran are lost at that moment
     * @param listener told about each restart
     */
    public VmSupervisor(Booter booter, Duration interval, int maxMissed, Consumer<String> failed,
            Consumer<Restart> listener) {
        this.failed = Objects.requireNonNull(failed, "failed");
        this.booter = Objects.requireNonNull(booter, "booter");
        this.interval = Objects.requireNonNull(interval, "interval");
        this.listener = Objects.requireNonNull(listener, "listener");
        if (maxMissed < 1) {
            throw new IllegalArgumentException("maxMissed must be at least 1");
        }
        this.maxMissed = maxMissed;
    }

    /** Boots the first VM and starts watching it. */
    public synchronized void start() throws IOException, InterruptedException {
        if (watcher != null) {
            throw new IllegalStateException("already started");
        }
        vm = booter.boot(0);
        watcher = Thread.ofVirtual().name("vm-supervisor").start(this::watch);
    }

    private void watch() {
        int missed = 0;
        String cause = null;
        while (!closed) {
            try {
                Thread.sleep(interval);
                Vm current = vm;
                if (!current.isAlive()) {
                    missed = maxMissed;
                    cause = "QEMU exited";
                } else {
                    current.heartbeat(interval);
                    missed = 0;
                }
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                missed++;
                cause = "heartbeat missed " + missed + " time(s): " + e.getMessage().lines().findFirst().orElse("");
                LOG.log(System.Logger.Level.WARNING, cause);
            }
            if (missed >= maxMissed && !closed) {
                if (restart(cause)) {
                    missed = 0;
                }
            }
        }
    }

    private boolean restart(String cause) {
        Vm old = vm;
        // Reported before the old VM is closed: closing it ends the commands it ran, and whoever
        // reports them lost must find the failure already told.
        if (!reported) {
            reported = true;
            failed.accept(cause);
        }
        try {
            old.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "closing the failed VM: " + e.getMessage());
        }
        try {
            Vm fresh = booter.boot(restarts + 1);
            synchronized (this) {
                vm = fresh;
                restarts++;
                lastCause = cause;
            }
            reported = false;
            Restart r = new Restart(restarts, cause, Instant.now());
            LOG.log(System.Logger.Level.WARNING, "VM restarted ({0}): {1}", r.count(), cause);
            listener.accept(r);
            return true;
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "VM restart failed, retrying: " + e.getMessage());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
            return false;
        }
    }

    /** The VM currently in service. */
    public Vm vm() {
        return vm;
    }

    /** How many times the VM was restarted. */
    public int restarts() {
        return restarts;
    }

    /** Why the VM was last restarted, or null. */
    public String lastCause() {
        return lastCause;
    }

    /** Runs a command in the current VM (see {@link Vm#exec}). */
    public ExecResult exec(List<String> argv, List<String> env, String cwd, Duration timeout)
            throws IOException, InterruptedException {
        return vm.exec(argv, env, cwd, timeout);
    }

    @Override
    public void close() throws IOException {
        closed = true;
        if (watcher != null) {
            watcher.interrupt();
            try {
                watcher.join(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Vm current = vm;
        if (current != null) {
            current.close();
        }
    }
}
