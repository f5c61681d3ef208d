/** The relay binary: a listener fanned out to one corked, spilling worker per destination. */
package io.mproxy.relay;
