package dev.cutover.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The friends, playing through the public address the whole time: packs, trades and predictions at a
 * steady rate, each on the game's real endpoints. Every action the server acknowledged (2xx) is kept with
 * the id it got, for the lookup after the move; everything else is a failed request. A request that
 * succeeded after {@value #HELD_MILLIS} ms or more (normal is a few ms) was held at the front door.
 *
 * <p>A request whose kept-alive connection closed before a single byte of an answer came back is sent
 * once more on a new connection, as browsers do (Chromium resends on a reused connection closed before
 * any response, whatever the method): nothing read it, so nothing acted on it. Caddy closes its idle
 * connections whenever its configuration changes, the front door's hold included, and a request sent at
 * that instant meets the close (1 of 2258 in a bench move at S). Resends are counted apart; a second
 * close, or any other error, is a failed request.
 */
public final class Players implements AutoCloseable {

  public static final long HELD_MILLIS = 250;
  private static final ObjectMapper JSON = new ObjectMapper();

  public record Result(int sent, List<Ledger.Ack> acknowledged, int failed, int held, int resent,
      long slowestMillis, List<String> failures) {}

  private final URI publicUrl;
  private final int perSecond;
  private final List<Integer> openMatches;
  private final HttpClient http = freshClient();
  private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "players");
    t.setDaemon(true);
    return t;
  });
  private final Queue<CompletableFuture<Void>> pending = new ConcurrentLinkedQueue<>();
  private final Queue<Ledger.Ack> acknowledged = new ConcurrentLinkedQueue<>();
  private final Queue<String> failures = new ConcurrentLinkedQueue<>();
  private final AtomicInteger sent = new AtomicInteger();
  private final AtomicInteger held = new AtomicInteger();
  private final AtomicInteger resent = new AtomicInteger();
  private volatile long slowest;

  public Players(URI publicUrl, int perSecond, List<Integer> openMatches) {
    this.publicUrl = publicUrl;
    this.perSecond = perSecond;
    this.openMatches = List.copyOf(openMatches);
  }

  public void start() {
    ticker.scheduleAtFixedRate(this::act, 0, 1_000_000 / perSecond, TimeUnit.MICROSECONDS);
  }

  /** Stops sending, waits for every answer still outstanding (held ones included), and tallies. */
  public Result stop() {
    ticker.shutdownNow();
    try {
      ticker.awaitTermination(5, TimeUnit.SECONDS);
      CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(90, TimeUnit.SECONDS);
    } catch (Exception e) {
      failures.add("not every request was answered within 90 s: " + e);
    }
    List<String> firstFailures = failures.stream().limit(20).toList();
    return new Result(sent.get(), new ArrayList<>(acknowledged), failures.size(), held.get(), resent.get(), slowest,
        firstFailures);
  }

  public int sentSoFar() {
    return sent.get();
  }

  public int acknowledgedSoFar() {
    return acknowledged.size();
  }

  private void act() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    int player = 1 + random.nextInt(GameDatabase.PROFILES);
    int roll = random.nextInt(10);
    Ledger.Kind kind;
    String path;
    if (roll < 4) {
      kind = Ledger.Kind.PACK;
      path = "/packs?player=" + player;
    } else if (roll < 7) {
      kind = Ledger.Kind.TRADE;
      path = "/trades?from=" + player + "&to=" + (1 + (player + random.nextInt(GameDatabase.PROFILES - 1))
          % GameDatabase.PROFILES);
    } else {
      kind = Ledger.Kind.PREDICTION;
      path = "/predictions?player=" + player + "&match=" + openMatches.get(random.nextInt(openMatches.size()))
          + "&pick=" + List.of("home", "draw", "away").get(random.nextInt(3));
    }
    HttpRequest request = HttpRequest.newBuilder(publicUrl.resolve(path))
        .timeout(Duration.ofSeconds(60))
        .POST(HttpRequest.BodyPublishers.noBody())
        .build();
    long start = System.nanoTime();
    sent.incrementAndGet();
    CompletableFuture<Void> answer = http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .handle((response, error) -> {
          if (error == null) {
            return CompletableFuture.completedFuture(response);
          }
          if (closedBeforeAnswer(error)) {
            resent.incrementAndGet();
            // On a connection of its own, as a browser sends it again: the pool's other idle connections
            // were closed by the same configuration change (a rollback makes two of them).
            return freshClient().sendAsync(request, HttpResponse.BodyHandlers.ofString());
          }
          // Any other error stays an error, to be counted as a failed request.
          return CompletableFuture.<HttpResponse<String>>failedFuture(error);
        })
        .thenCompose(again -> again)
        .handle((response, error) -> {
          long millis = (System.nanoTime() - start) / 1_000_000;
          record(kind, player, path, response, error, millis);
          return null;
        });
    pending.add(answer);
    pending.removeIf(CompletableFuture::isDone);
  }

  private static HttpClient freshClient() {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  }

  /** The JDK client's words for a connection that ended before any byte of the answer. */
  private static boolean closedBeforeAnswer(Throwable error) {
    Throwable cause = unwrap(error);
    return cause instanceof IOException && cause.getMessage() != null
        && cause.getMessage().contains("received no bytes");
  }

  private void record(Ledger.Kind kind, int player, String path, HttpResponse<String> response, Throwable error,
      long millis) {
    if (error != null || response.statusCode() / 100 != 2) {
      // The answer's body names the box and the reason (stopping, database read-only, ...): kept, short.
      failures.add(path + " -> " + (error != null ? describe(error)
          : "HTTP " + response.statusCode() + " " + abbreviate(response.body())) + " after " + millis + " ms");
      return;
    }
    try {
      JsonNode body = JSON.readTree(response.body());
      List<Long> ids = new ArrayList<>();
      if (body.has("ids")) {
        body.get("ids").forEach(id -> ids.add(id.asLong()));
      } else {
        ids.add(body.path("id").asLong());
      }
      acknowledged.add(new Ledger.Ack(kind, ids, player));
      slowest = Math.max(slowest, millis);
      if (millis >= HELD_MILLIS) {
        held.incrementAndGet();
      }
    } catch (IOException e) {
      failures.add(path + " -> unreadable answer: " + e.getMessage());
    }
  }

  /** The cause under the future's wrapper: "CompletionException" says nothing about what went wrong. */
  private static String describe(Throwable error) {
    Throwable cause = unwrap(error);
    return cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : " " + abbreviate(cause.getMessage()));
  }

  private static Throwable unwrap(Throwable error) {
    return error instanceof java.util.concurrent.CompletionException && error.getCause() != null
        ? error.getCause() : error;
  }

  private static String abbreviate(String body) {
    String flat = body == null ? "" : body.replaceAll("\\s+", " ").strip();
    return flat.length() <= 80 ? flat : flat.substring(0, 80) + "...";
  }

  @Override
  public void close() {
    ticker.shutdownNow();
  }
}
