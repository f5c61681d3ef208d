/** TCP pieces shared by the proxies and the relay: reconnect backoff and TCP_CORK. */
package io.mproxy.common.tcp;
