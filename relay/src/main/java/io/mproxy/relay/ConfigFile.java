package io.mproxy.relay;

import io.mproxy.common.Errors;
import io.mproxy.common.cli.UsageException;
import io.mproxy.common.net.SocketSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads a relay config file: one socket spec per line (the listener, then the fallback, then the workers),
 * {@code name = value} lines for tunables, everything after {@code #} a comment, blank lines ignored. An error names
 * the file, the line and the column.
 */
final class ConfigFile {
    private ConfigFile() {
    }

    /**
     * @param file    the file.
     * @param context receives the specs and tunables.
     * @return the context.
     * @throws UsageException {@code FILE:LINE:COLUMN: what is wrong}.
     * @throws IOException    when the file cannot be read.
     */
    static RelayContext read(Path file, RelayContext context) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UsageException("cannot read config file " + file + ": " + Errors.describe(e));
        }
        int specs = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int hash = line.indexOf('#');
            String text = hash < 0 ? line : line.substring(0, hash);
            int start = firstNonBlank(text);
            if (start < 0) {
                continue;
            }
            String where = file + ":" + (i + 1) + ":";
            int equals = text.indexOf('=');
            if (equals >= 0) {
                String name = text.substring(start, equals).strip();
                if (name.isEmpty() || name.chars().anyMatch(Character::isWhitespace)) {
                    throw new UsageException(where + (start + 1) + ": expected 'name = value', got '"
                        + text.strip() + "'");
                }
                int valueColumn = equals + 1 + Math.max(0, firstNonBlank(text.substring(equals + 1)));
                String value = text.substring(equals + 1).strip();
                if (value.isEmpty()) {
                    throw new UsageException(where + (valueColumn + 1) + ": " + name + " has no value");
                }
                try {
                    context.set(name, value);
                } catch (UsageException e) {
                    int column = e.getMessage().startsWith("unknown setting") ? start : valueColumn;
                    throw new UsageException(where + (column + 1) + ": " + e.getMessage());
                }
                continue;
            }
            String token = text.strip();
            int space = indexOfWhitespace(token);
            if (space >= 0) {
                int column = start + space + firstNonBlank(token.substring(space));
                throw new UsageException(where + (column + 1) + ": unexpected '" + token.substring(space).strip()
                    + "' after the socket spec: expected one spec per line");
            }
            try {
                SocketSpec spec = SocketSpec.parse(token, specs == 0);
                if (specs == 0) {
                    context.listener(spec);
                } else if (specs == 1) {
                    context.fallback(spec);
                } else {
                    context.worker(spec);
                }
                specs++;
            } catch (IllegalArgumentException e) {
                throw new UsageException(where + (start + 1) + ": " + e.getMessage());
            }
        }
        if (specs < 3) {
            throw new UsageException(file + ": expected a listener, a fallback and at least one worker, one per line; "
                + "found " + specs + " socket spec(s)");
        }
        return context;
    }

    private static int firstNonBlank(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (!Character.isWhitespace(text.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    private static int indexOfWhitespace(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (Character.isWhitespace(text.charAt(i))) {
                return i;
            }
        }
        return -1;
    }
}
