/** Command-line pieces of every binary: the model built in code, shared option groups, converters, exit codes. */
package io.mproxy.common.cli;
