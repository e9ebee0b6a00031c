package dev.palisade.sandbox;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.function.IntConsumer;

/**
 * Catches SIGINT, SIGTERM and SIGHUP in this JVM and hands them to a consumer, instead of the
 * JVM's default of running shutdown hooks and exiting: the launcher forwards them to the sandboxed
 * process group and exits only when the command has.
 *
 * <p>The only JDK hook for this is {@code sun.misc.Signal} (module jdk.unsupported). It is reached
 * by reflection because javac reports every direct use as internal proprietary API, a warning that
 * cannot be suppressed and would fail the {@code -Werror} build.
 */
final class Signals {
    /** The signals forwarded, by name and number (signal(7), x86_64). */
    static final String[] NAMES = {"INT", "TERM", "HUP"};
    static final int[] NUMBERS = {2, 15, 1};

    private Signals() {
    }

    /**
     * Routes the forwarded signals to {@code target}.
     *
     * @param target receives the signal number
     * @return true if the handlers are installed, false where the JVM does not allow it
     */
    static boolean install(IntConsumer target) {
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            Constructor<?> ctor = signalClass.getConstructor(String.class);
            Method handle = signalClass.getMethod("handle", signalClass, handlerClass);
            for (int i = 0; i < NAMES.length; i++) {
                int number = NUMBERS[i];
                InvocationHandler ih = (proxy, method, args) -> switch (method.getName()) {
                    case "handle" -> {
                        target.accept(number);
                        yield null;
                    }
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    case "toString" -> "palisade-signal-forwarder-" + number;
                    default -> null;
                };
                Object handler = Proxy.newProxyInstance(Signals.class.getClassLoader(), new Class<?>[] {handlerClass}, ih);
                handle.invoke(null, ctor.newInstance(NAMES[i]), handler);
            }
            return true;
        } catch (ReflectiveOperationException | IllegalArgumentException e) {
            System.getLogger("palisade").log(System.Logger.Level.WARNING,
                    "cannot forward signals to the sandbox: " + e);
            return false;
        }
    }
}
