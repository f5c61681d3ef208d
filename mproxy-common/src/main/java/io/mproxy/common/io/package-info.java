/** Inputs and outputs: files, devices, stdin/stdout, append with reopen, pacing. */
package io.mproxy.common.io;
