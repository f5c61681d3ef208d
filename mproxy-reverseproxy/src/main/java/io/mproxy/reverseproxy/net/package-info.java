/** TCP listening and accepting, shared by the TCP inputs and the TCP outputs. */
package io.mproxy.reverseproxy.net;
