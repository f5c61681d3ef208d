/** Unix datagram sockets through the foreign function API (Linux), behind a small interface. */
package io.mproxy.common.unix;
