/** The group's datagrams held once in memory and read by every output at its own pace. */
package io.mproxy.reverseproxy.broadcast;
