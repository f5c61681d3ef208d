/** Counters per component, a periodic stats line and an exit summary. */
package io.mproxy.common.stats;
