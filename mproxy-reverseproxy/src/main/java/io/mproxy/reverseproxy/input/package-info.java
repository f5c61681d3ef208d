/** The inputs onto the multicast group: UDP listeners and TCP listeners whose streams are framed into datagrams. */
package io.mproxy.reverseproxy.input;
