package io.mproxy.common.cli;

import io.mproxy.common.framing.Framing;
import io.mproxy.common.net.Endpoint;
import io.mproxy.common.net.EndpointParser;
import io.mproxy.common.net.Interfaces;
import java.net.NetworkInterface;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * picocli converters for endpoints, sizes, rates, durations, framings and interfaces; messages say what is expected.
 */
public final class Converters {
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?");

    private Converters() {
    }

    /**
     * Runs a parser, turning its IllegalArgumentException (whose message names the value) into picocli's; the
     * parser's exception stays the cause, so {@link Cli} can tell an unknown host from bad usage.
     *
     * @param parser parses the value, throwing IllegalArgumentException when it cannot.
     * @param value  the command-line value.
     * @param <T>    what the value becomes.
     * @return the parsed value.
     */
    public static <T> T converting(Function<String, T> parser, String value) {
        try {
            return parser.apply(value);
        } catch (IllegalArgumentException e) {
            TypeConversionException conversion = new TypeConversionException(e.getMessage());
            conversion.initCause(e);
            throw conversion;
        }
    }

    /** {@code host:port} for destinations: port 1 to 65535. */
    public static final class EndpointConverter implements ITypeConverter<Endpoint> {
        @Override
        public Endpoint convert(String value) {
            return converting(v -> EndpointParser.parse(v, false), value);
        }
    }

    /** {@code host:port} for listeners: port 0 takes any free port. */
    public static final class ListenEndpointConverter implements ITypeConverter<Endpoint> {
        @Override
        public Endpoint convert(String value) {
            return converting(v -> EndpointParser.parse(v, true), value);
        }
    }

    /** {@code line}, {@code raw} or {@code length}. */
    public static final class FramingConverter implements ITypeConverter<Framing> {
        @Override
        public Framing convert(String value) {
            return converting(Framing::parse, value);
        }
    }

    /** An interface name or address. */
    public static final class InterfaceConverter implements ITypeConverter<NetworkInterface> {
        @Override
        public NetworkInterface convert(String value) {
            return converting(Interfaces::byNameOrAddress, value);
        }
    }

    /** A byte count or rate: a number with an optional k, M, G (powers of 1000) or Ki, Mi, Gi (powers of 1024). */
    public static final class SizeConverter implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return parseSize(value);
        }
    }

    /**
     * @param value e.g. {@code 1500}, {@code 300M}, {@code 8Mi}, {@code 1.5G}.
     * @return the number of bytes.
     * @throws TypeConversionException saying what is expected.
     */
    public static long parseSize(String value) {
        String text = value.trim();
        String lower = text.toLowerCase(Locale.ROOT);
        long unit = 1;
        int cut = text.length();
        if (lower.endsWith("ki") || lower.endsWith("mi") || lower.endsWith("gi")) {
            unit = 1L << (10 * (1 + "kmg".indexOf(lower.charAt(lower.length() - 2))));
            cut -= 2;
        } else if (lower.endsWith("k") || lower.endsWith("m") || lower.endsWith("g")) {
            unit = (long) Math.pow(1000, 1 + "kmg".indexOf(lower.charAt(lower.length() - 1)));
            cut -= 1;
        }
        try {
            double number = Double.parseDouble(text.substring(0, cut));
            if (number < 0 || Double.isNaN(number) || number * unit > Long.MAX_VALUE) {
                throw new NumberFormatException();
            }
            return (long) (number * unit);
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + value
                + "' is not a size: expected a number with an optional k, M, G (x1000) or Ki, Mi, Gi (x1024)");
        }
    }

    /**
     * @param bytes a byte count, 0 or more.
     * @return it as {@link #parseSize} reads it back, in the largest of Gi, Mi, Ki that divides it: {@code 32Mi}.
     */
    public static String formatSize(long bytes) {
        for (int shift = 30; shift >= 10; shift -= 10) {
            if (bytes != 0 && bytes % (1L << shift) == 0) {
                return (bytes >> shift) + "KMG".substring(shift / 10 - 1, shift / 10) + "i";
            }
        }
        return Long.toString(bytes);
    }

    /** A duration: a number with ms, s, m or h; a bare number is seconds. */
    public static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return parseDuration(value);
        }
    }

    /**
     * @param value e.g. {@code 30s}, {@code 500ms}, {@code 2m}, {@code 1h}, {@code 1.5} (seconds).
     * @return the duration.
     * @throws TypeConversionException saying what is expected.
     */
    public static Duration parseDuration(String value) {
        Matcher m = DURATION.matcher(value.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new TypeConversionException("'" + value + "' is not a duration: expected a number with ms, s, m or h "
                + "(seconds when none), for example 30s");
        }
        double number = Double.parseDouble(m.group(1));
        long unitNanos = switch (m.group(2) == null ? "s" : m.group(2)) {
            case "ms" -> 1_000_000L;
            case "m" -> 60_000_000_000L;
            case "h" -> 3_600_000_000_000L;
            default -> 1_000_000_000L;
        };
        return Duration.ofNanos((long) Math.min(Long.MAX_VALUE, number * unitNanos));
    }
}
