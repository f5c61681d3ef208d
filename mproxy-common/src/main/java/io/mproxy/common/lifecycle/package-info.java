/** Lifecycle: signals (TERM/INT stop, HUP reopen or reload) and the barrier main waits on. */
package io.mproxy.common.lifecycle;
