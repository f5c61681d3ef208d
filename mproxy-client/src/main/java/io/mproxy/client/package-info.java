/** mproxy-client: streams a file, a device or stdin as UDP datagrams to unicast and multicast servers. */
package io.mproxy.client;
