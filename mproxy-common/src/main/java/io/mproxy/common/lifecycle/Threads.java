package io.mproxy.common.lifecycle;

/** Waiting for a component's thread at close. */
public final class Threads {
    private Threads() {
    }

    /**
     * Waits for {@code thread} to end. Close paths use this: an interrupt ends the wait but stays set on the caller,
     * so the close goes on and the caller still sees it.
     *
     * @param thread the thread.
     * @param millis the longest wait; 0 waits for ever, as {@link Thread#join(long)} does.
     * @return true when the thread has ended.
     */
    public static boolean join(Thread thread, long millis) {
        try {
            thread.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !thread.isAlive();
    }
}
