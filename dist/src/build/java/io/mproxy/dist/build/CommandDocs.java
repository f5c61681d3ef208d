package io.mproxy.dist.build;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.asciidoctor.Asciidoctor;
import org.asciidoctor.Attributes;
import org.asciidoctor.Options;
import org.asciidoctor.SafeMode;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.codegen.docgen.manpage.ManPageGenerator;

/**
 * A binary's documentation from its command line's model: the man page (picocli's {@link ManPageGenerator} writes
 * AsciiDoc, Asciidoctor's manpage backend turns it into troff) and the bash completion script
 * ({@link AutoComplete}, also usable from zsh with {@code bashcompinit}).
 */
final class CommandDocs implements AutoCloseable {
    private final String version;
    private Asciidoctor asciidoctor;

    /** @param version the toolkit's version, for the man page footer. */
    CommandDocs(String version) {
        this.version = version;
    }

    /**
     * @param name       the binary's name.
     * @param command    its command line's model.
     * @param manDir     where {@code NAME.1} goes.
     * @param completion where the completion script {@code NAME} goes.
     */
    void write(String name, CommandSpec command, Path manDir, Path completion) throws IOException {
        CommandLine commandLine = new CommandLine(command);
        StringWriter adoc = new StringWriter();
        try (PrintWriter out = new PrintWriter(adoc)) {
            ManPageGenerator.writeSingleManPage(out, commandLine.getCommandSpec());
        }
        Files.writeString(manDir.resolve(name + ".1"), toTroff(adoc.toString()));
        Files.writeString(completion.resolve(name), AutoComplete.bash(name, commandLine));
    }

    private String toTroff(String adoc) {
        if (asciidoctor == null) {
            asciidoctor = Asciidoctor.Factory.create();
        }
        Attributes attributes = Attributes.builder()
            .attribute("mansource", "mproxy " + version)
            .attribute("manmanual", "mproxy Manual")
            .build();
        return asciidoctor.convert(adoc, Options.builder().backend("manpage").standalone(true)
            .safe(SafeMode.SAFE).attributes(attributes).build());
    }

    @Override
    public void close() {
        if (asciidoctor != null) {
            asciidoctor.close();
        }
    }
}
