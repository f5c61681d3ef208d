/** Command-line pieces shared by every binary: converters, option mixins, exit codes, the main runner. */
package io.mproxy.common.cli;
