package io.mproxy.relay;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.mproxy.common.net.Endpoint;
import io.mproxy.common.stats.Counter;
import io.mproxy.common.stats.Counters;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The counters as Prometheus text at {@code /metrics}, on the JDK's built-in HTTP server: one
 * {@code relay_<name>_total{component="..."}} sample per counter and component.
 */
final class MetricsServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsServer.class);
    private static final Map<Counter, String> NAMES = Map.of(Counter.DATAGRAMS_IN, "received",
        Counter.DATAGRAMS_OUT, "sent", Counter.BYTES_OUT, "sent_bytes", Counter.BYTES_IN, "received_bytes",
        Counter.SPILLED, "spilled", Counter.REPLAYED, "replayed", Counter.DROPPED, "dropped",
        Counter.RECONNECTS, "reconnects", Counter.ERRORS, "errors", Counter.TRUNCATED, "torn_spill_records");

    private final HttpServer server;

    private MetricsServer(HttpServer server) {
        this.server = server;
    }

    /**
     * @param address where to listen (port 0: any free port).
     * @param relay   whose counters to serve.
     * @return the running server.
     * @throws IOException naming the address.
     */
    static MetricsServer start(Endpoint address, Relay relay) throws IOException {
        HttpServer server;
        try {
            server = HttpServer.create(address.address(), 16);
        } catch (IOException e) {
            throw new IOException("cannot serve metrics on " + address.text() + ": " + e.getMessage(), e);
        }
        server.createContext("/metrics", exchange -> respond(exchange, render(relay)));
        server.setExecutor(null);
        server.start();
        LOG.info("metrics on http://{}/metrics", address.withPort(server.getAddress().getPort()).numeric());
        return new MetricsServer(server);
    }

    static String render(Relay relay) {
        StringBuilder text = new StringBuilder();
        for (Counter counter : Counter.values()) {
            String name = NAMES.get(counter);
            if (name == null) {
                continue;
            }
            text.append("# TYPE relay_").append(name).append("_total counter\n");
            for (Counters counters : relay.counters()) {
                if (counters.shown().contains(counter)) {
                    text.append("relay_").append(name).append("_total{component=\"")
                        .append(counters.name().replace("\\", "\\\\").replace("\"", "\\\"")).append("\"} ")
                        .append(counters.get(counter)).append('\n');
                }
            }
        }
        return text.toString();
    }

    private static void respond(HttpExchange exchange, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
