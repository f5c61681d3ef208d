package io.mproxy.dist.build;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeTransform;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Copies a jar uncompressed, re-emitting class files older than Java 6 as Java 8 class files with stack maps.
 *
 * <p>Uncompressed (stored entries): the bundle's tar.gz then compresses all the class files as one stream, which
 * makes it 156 KB smaller than deflating each entry on its own; classes come from the start-up archive anyway.
 *
 * <p>Why: picocli ships Java 5 class files (major version 49). The JVM cannot verify those with the fast
 * split verifier, so a CDS/AOT archive can store them only unlinked, and the AOT class linking of JDK 24+ skips
 * them entirely; every start then verifies picocli with the slow inference verifier. Re-emitted as version 52
 * with stack maps (the JDK's {@code java.lang.classfile} API computes them), the code is the same instruction
 * for instruction, and the archive stores picocli loaded and linked: {@code --version} starts in about half the
 * time. Jars without old class files are copied unchanged.
 */
final class ClassFileUpgrade {
    private static final int TARGET_MAJOR = ClassFile.JAVA_8_VERSION;

    private ClassFileUpgrade() {
    }

    /**
     * @param source the jar to read.
     * @param target where to write the copy.
     * @return how many class files were upgraded.
     */
    static int copy(Path source, Path target) throws IOException {
        int upgraded = 0;
        try (URLClassLoader hierarchy = new URLClassLoader(new URL[] {source.toUri().toURL()}, null);
             ZipInputStream in = new ZipInputStream(Files.newInputStream(source));
             OutputStream file = Files.newOutputStream(target);
             ZipOutputStream out = new ZipOutputStream(file)) {
            ClassFile classFile = ClassFile.of(ClassFile.ConstantPoolSharingOption.NEW_POOL,
                ClassFile.StackMapsOption.GENERATE_STACK_MAPS,
                ClassFile.ClassHierarchyResolverOption.of(ClassHierarchyResolver.defaultResolver()
                    .orElse(ClassHierarchyResolver.ofResourceParsing(hierarchy))));
            ClassTransform rewrite = ClassTransform.transformingMethodBodies(CodeTransform.ACCEPT_ALL)
                .andThen(ClassTransform.endHandler(builder -> builder.withVersion(TARGET_MAJOR, 0)));
            for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
                byte[] bytes = in.readAllBytes();
                if (isOldClass(entry, bytes)) {
                    ClassModel model = classFile.parse(bytes);
                    bytes = classFile.transformClass(model, rewrite);
                    upgraded++;
                }
                ZipEntry copy = new ZipEntry(entry.getName());
                copy.setTime(entry.getTime());
                copy.setMethod(ZipEntry.STORED);
                copy.setSize(bytes.length);
                copy.setCompressedSize(bytes.length);
                CRC32 crc = new CRC32();
                crc.update(bytes);
                copy.setCrc(crc.getValue());
                out.putNextEntry(copy);
                out.write(bytes);
                out.closeEntry();
            }
        }
        return upgraded;
    }

    /** Class files under META-INF/versions are for newer JDKs by definition; module-info is left alone. */
    private static boolean isOldClass(ZipEntry entry, byte[] bytes) {
        String name = entry.getName();
        if (!name.endsWith(".class") || name.startsWith("META-INF/") || name.endsWith("module-info.class")
            || bytes.length < 8) {
            return false;
        }
        int major = ((bytes[6] & 0xff) << 8) | (bytes[7] & 0xff);
        return major < ClassFile.JAVA_6_VERSION;
    }
}
