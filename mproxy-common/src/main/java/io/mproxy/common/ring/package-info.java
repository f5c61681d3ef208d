/** Bounded, allocation-free hand-off of datagrams from one reader thread to one writer thread. */
package io.mproxy.common.ring;
