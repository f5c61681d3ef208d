/** Lifecycle: signals (TERM/INT stop, HUP reopen or reload), the barrier main waits on, threads joined at close. */
package io.mproxy.common.lifecycle;
