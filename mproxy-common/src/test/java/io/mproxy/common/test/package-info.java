/** Test support shared by every module: the binaries as processes, waits with deadlines, the test namespace. */
package io.mproxy.common.test;
