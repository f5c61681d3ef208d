/** The outputs fed from the group: TCP clients, TCP downstreams and UDP destinations, each at its own pace. */
package io.mproxy.reverseproxy.output;
