package io.mproxy.common.net;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.invoke.MethodHandle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Raises the calling thread's CPU priority (Linux {@code setpriority} on its thread id, through the foreign function
 * API). A thread that drains a socket into a ring loses data whenever it waits for a CPU longer than the socket
 * buffer lasts (~10 ms at 600 MB/s); on a busy 2-core machine the scheduler lets it wait that long, and a lower nice
 * value makes it run first when it wakes. Only processes allowed to (root, CAP_SYS_NICE, RLIMIT_NICE) get it; for
 * others this does nothing and says so at debug level.
 */
public final class ThreadPriority {
    /** The nice value asked for: well ahead of ordinary work (0), short of the kernel's own threads (-20). */
    public static final int RECEIVER_NICE = -10;
    private static final int PRIO_PROCESS = 0;
    private static final Logger LOG = LoggerFactory.getLogger(ThreadPriority.class);
    private static final MethodHandle GETTID = LinuxDowncalls.find("gettid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle SETPRIORITY = LinuxDowncalls.find("setpriority",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));

    private ThreadPriority() {
    }

    /**
     * Sets the calling thread's nice value.
     *
     * @param nice -20 (first) to 19 (last).
     * @return true when it was set.
     */
    public static boolean setNice(int nice) {
        if (GETTID == null || SETPRIORITY == null) {
            return false;
        }
        try {
            int tid = (int) GETTID.invokeExact();
            if ((int) SETPRIORITY.invokeExact(PRIO_PROCESS, tid, nice) == 0) {
                return true;
            }
        } catch (Throwable e) {
            LOG.debug("setpriority: {}", e.toString());
            return false;
        }
        LOG.debug("{}: nice {} not permitted (needs CAP_SYS_NICE or RLIMIT_NICE); staying at the default",
            Thread.currentThread().getName(), nice);
        return false;
    }
}
