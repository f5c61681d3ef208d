package io.mproxy.common.net;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;

/** Looks up C library functions for the foreign function API on Linux, for callers with a portable fallback. */
public final class LinuxDowncalls {
    private LinuxDowncalls() {
    }

    /**
     * @param name       the C function.
     * @param descriptor its signature.
     * @param options    linker options, e.g. {@code Linker.Option.captureCallState("errno")}.
     * @return a handle to call it, or null off Linux, or when it is missing or native access is denied.
     */
    public static MethodHandle find(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        if (!System.getProperty("os.name", "").startsWith("Linux")) {
            return null;
        }
        try {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find(name).map(symbol -> linker.downcallHandle(symbol, descriptor, options))
                .orElse(null);
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
    }
}
