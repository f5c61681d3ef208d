/** Bounded, allocation-free hand-off of datagrams between threads, and lazily mapped memory for rings and batches. */
package io.mproxy.common.ring;
