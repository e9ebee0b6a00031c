package dev.palisade.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

/**
 * The calls the VM guest agent makes to take on a session's identity after a snapshot restore:
 * sethostname(2) and clock_settime(2). Only ever called inside the guest (they change the whole
 * machine); spawning busybox applets for the same cost over a second in a cold guest under TCG.
 */
@SuppressWarnings("restricted") // FFM downcalls are this package's purpose
public final class GuestIdentity {
    /** clock_settime(2): the settable system-wide real-time clock. */
    private static final int CLOCK_REALTIME = 0;
    private static final MethodHandle SETHOSTNAME =
            Libc.errnoCall("sethostname", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle CLOCK_SETTIME =
            Libc.errnoCall("clock_settime", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));

    private GuestIdentity() {
    }

    /**
     * Sets the host name (sethostname(2)).
     *
     * @param name the name, at most 64 bytes
     * @throws NativeException on failure (EPERM without CAP_SYS_ADMIN, EINVAL when too long)
     */
    public static void setHostname(String name) throws NativeException {
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.newState(arena);
            MemorySegment buf = arena.allocate(Math.max(1, b.length));
            MemorySegment.copy(b, 0, buf, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, b.length);
            int r = (int) SETHOSTNAME.invokeExact(state, buf, (long) b.length);
            if (r != 0) {
                throw new NativeException("sethostname", Libc.errno(state));
            }
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("sethostname", t);
        }
    }

    /**
     * Sets the real-time clock (clock_settime(2) with CLOCK_REALTIME).
     *
     * @param epochMillis milliseconds since 1970-01-01 UTC
     * @throws NativeException on failure (EPERM without CAP_SYS_TIME)
     */
    public static void setClock(long epochMillis) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.newState(arena);
            // struct timespec { time_t tv_sec; long tv_nsec; } on x86_64: two longs.
            MemorySegment ts = arena.allocate(JAVA_LONG, 2);
            ts.setAtIndex(JAVA_LONG, 0, Math.floorDiv(epochMillis, 1000));
            ts.setAtIndex(JAVA_LONG, 1, Math.floorMod(epochMillis, 1000) * 1_000_000L);
            int r = (int) CLOCK_SETTIME.invokeExact(state, CLOCK_REALTIME, ts);
            if (r != 0) {
                throw new NativeException("clock_settime", Libc.errno(state));
            }
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("clock_settime", t);
        }
    }
}
