/** Build-time tools of the bundle: class-file upgrade for the start-up archive, binary discovery, docs. */
package io.mproxy.dist.build;
