/** Endpoints and UDP channels: parsing, resolution, multicast join, socket buffers, kernel drop counts. */
package io.mproxy.common.net;
