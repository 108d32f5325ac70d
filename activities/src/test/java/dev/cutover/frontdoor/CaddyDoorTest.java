package dev.cutover.frontdoor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.cutover.frontdoor.FrontDoorActivities.FrontDoorRequest;
import dev.cutover.frontdoor.FrontDoorActivities.FrontDoorResult;
import dev.cutover.frontdoor.FrontDoorActivities.Side;
import dev.cutover.plan.FrontDoor;
import io.temporal.failure.ApplicationFailure;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Against a real Caddy on loopback ports, with two tiny upstreams standing in for the app on each box:
 * a player sends a request every 50 ms through the whole hold, freeze, switch and revert, and not one may
 * fail.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CaddyDoorTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ROUTE =
      "{\"@id\":\"game\",\"handle\":[{\"handler\":\"headers\",\"response\":{\"set\":{\"X-Front\":[\"caddy\"]}}},"
          + "{\"handler\":\"reverse_proxy\",\"upstreams\":[{\"dial\":\"127.0.0.1:%d\"}]}]}";

  @TempDir Path dir;
  private final int adminPort = freePort();
  private final int httpPort = freePort();
  private final int homePort = freePort();
  private final int armPort = freePort();
  private final OkHttpClient http = new OkHttpClient.Builder().retryOnConnectionFailure(false).build();
  private final FrontDoorActivitiesImpl activities = new FrontDoorActivitiesImpl(http, name -> null);
  private Process caddy;
  private HttpServer home;
  private HttpServer arm;
  private ScheduledExecutorService ticker;
  private ExecutorService players;

  record Answer(long sentAtNanos, long tookMillis, int status, String servedBy, String error) {}

  @BeforeEach
  void startCaddy() throws Exception {
    String caddyBinary = FrontDoorActivitiesImpl.isRunnable("caddy") ? "caddy" : "/usr/bin/caddy";
    assertTrue(FrontDoorActivitiesImpl.isRunnable(caddyBinary),
        "these tests need Caddy 2.6+ as 'caddy' on the PATH (apt-get install caddy); it was not found");
    home = upstream(homePort, "home");
    String config = "{\"admin\":{\"listen\":\"127.0.0.1:" + adminPort + "\",\"config\":{\"persist\":false}},"
        + "\"apps\":{\"http\":{\"servers\":{\"front\":{\"listen\":[\"127.0.0.1:" + httpPort + "\"],"
        + "\"automatic_https\":{\"disable\":true},\"routes\":[" + String.format(ROUTE, homePort) + "]}}}}}";
    Path file = Files.writeString(dir.resolve("caddy.json"), config);
    ProcessBuilder builder = new ProcessBuilder(List.of(caddyBinary, "run", "--config", file.toString()))
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("caddy.log").toFile());
    // Caddy keeps state under HOME and XDG dirs: keep it inside the test's directory.
    builder.environment().putAll(Map.of("HOME", dir.toString(), "XDG_CONFIG_HOME", dir.resolve("config").toString(),
        "XDG_DATA_HOME", dir.resolve("data").toString()));
    caddy = builder.start();
    awaitTrue(Duration.ofSeconds(15), () -> adminAnswers() && caddy.isAlive(), "Caddy's admin API to answer");
  }

  @AfterEach
  void stopEverything() throws Exception {
    if (ticker != null) {
      ticker.shutdownNow();
    }
    if (players != null) {
      players.shutdownNow();
      players.awaitTermination(10, TimeUnit.SECONDS);
    }
    if (caddy != null) {
      caddy.destroy();
      if (!caddy.waitFor(10, TimeUnit.SECONDS)) {
        caddy.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    for (HttpServer server : new HttpServer[] {home, arm}) {
      if (server != null) {
        server.stop(0);
      }
    }
  }

  private FrontDoor.Caddy door(Integer maxConnections) {
    return new FrontDoor.Caddy(URI.create("http://127.0.0.1:" + adminPort), "127.0.0.1:" + armPort, "game",
        Duration.ofSeconds(10), maxConnections, null);
  }

  private FrontDoorRequest request(Side side) {
    return new FrontDoorRequest("game", door(null), side);
  }

  @Test
  void holdFreezeSwitchAndRevertFailNoRequest() throws Exception {
    JsonNode original = admin("/id/game");
    Queue<Answer> answers = new ConcurrentLinkedQueue<>();
    startPlayer(answers);
    awaitTrue(Duration.ofSeconds(10), () -> count(answers, "home") >= 5, "home to answer through Caddy");

    assertTrue(activities.check(request(Side.TARGET)).detail().contains("route game has 2 handler(s)"));
    FrontDoorResult held = activities.hold(request(Side.TARGET));
    assertTrue(held.detail().contains("inserted"), held.detail());

    home.stop(0); // the freeze: the source app is down, the target app not started yet
    long freezeStarted = freezeFor(Duration.ofSeconds(3), answers);

    arm = upstream(armPort, "arm"); // the switch: the target app starts
    long switched = System.nanoTime();
    FrontDoorResult pointed = activities.pointAt(request(Side.TARGET));
    assertTrue(pointed.detail().contains("nothing changed"), "the switch must not reload Caddy: " + pointed.detail());
    awaitServedAfter(switched, "arm", answers);

    List<Answer> failed = answers.stream().filter(a -> a.status() != 200).toList();
    assertEquals(List.of(), failed, "no request may fail");
    List<Answer> heldInFreeze = answers.stream()
        .filter(a -> a.sentAtNanos() > freezeStarted && a.sentAtNanos() < switched).toList();
    assertTrue(heldInFreeze.size() >= 20, "requests were sent during the freeze: " + heldInFreeze.size());
    assertTrue(heldInFreeze.stream().allMatch(a -> "arm".equals(a.servedBy())), "held requests went to arm");
    assertTrue(heldInFreeze.stream().anyMatch(a -> a.tookMillis() >= 2500), "the first were held ~3 s");
    assertTrue(answers.stream().filter(a -> a.sentAtNanos() > switched).allMatch(a -> "arm".equals(a.servedBy())));

    assertTrue(activities.hold(request(Side.TARGET)).detail().contains("already held"));

    FrontDoorResult reverted = activities.pointAt(request(Side.SOURCE));
    assertTrue(reverted.detail().contains("removed"), reverted.detail());
    assertEquals(original, admin("/id/game"), "revert leaves the route exactly as it was");
    assertTrue(activities.pointAt(request(Side.SOURCE)).detail().contains("nothing changed"));
  }

  @Test
  void aRollbackHoldsTowardTheSourceAndPointsBackWithoutFailingARequest() throws Exception {
    JsonNode original = admin("/id/game");
    // The move before it: held, switched, arm serving.
    activities.hold(request(Side.TARGET));
    home.stop(0);
    arm = upstream(armPort, "arm");
    activities.pointAt(request(Side.TARGET));
    Queue<Answer> answers = new ConcurrentLinkedQueue<>();
    startPlayer(answers);
    awaitTrue(Duration.ofSeconds(10), () -> count(answers, "arm") >= 5, "arm to answer through Caddy");

    // The rollback's freeze: the hold goes toward home (read from the route's own handler) while arm serves.
    FrontDoorResult held = activities.hold(request(Side.SOURCE));
    assertTrue(held.detail().contains("requests wait up to 10 s for 127.0.0.1:" + homePort), held.detail());
    arm.stop(0);
    long freezeStarted = freezeFor(Duration.ofSeconds(2), answers);
    home = upstream(homePort, "home");
    long switched = System.nanoTime();
    FrontDoorResult pointed = activities.pointAt(request(Side.SOURCE));
    assertTrue(pointed.detail().contains("held requests had reached 127.0.0.1:" + homePort), pointed.detail());
    awaitServedAfter(switched, "home", answers);

    assertEquals(List.of(), answers.stream().filter(a -> a.status() != 200).toList(), "no request may fail");
    List<Answer> heldInFreeze = answers.stream()
        .filter(a -> a.sentAtNanos() > freezeStarted && a.sentAtNanos() < switched).toList();
    assertTrue(heldInFreeze.size() >= 15, "requests were sent during the freeze: " + heldInFreeze.size());
    assertTrue(heldInFreeze.stream().allMatch(a -> "home".equals(a.servedBy())), "held requests went to home");
    assertEquals(original, admin("/id/game"), "pointing back leaves the route exactly as it was");
  }

  @Test
  void aRollbackCannotHoldWhenTheRouteDoesNotSayWhereTheSourceIs() throws Exception {
    activities.pointAt(request(Side.TARGET));
    // The route's own reverse_proxy gone (a route that serves files, say), and no sourceUpstream in the plan.
    try (Response deleted = http.newCall(new Request.Builder()
        .url("http://127.0.0.1:" + adminPort + "/id/game/handle/2").delete().build()).execute()) {
      assertEquals(200, deleted.code());
    }
    JsonNode before = admin("/id/game");

    FrontDoorResult held = activities.hold(request(Side.SOURCE));

    assertTrue(held.detail().contains("cannot hold on the way back"), held.detail());
    assertTrue(held.detail().contains("set frontDoor.sourceUpstream"), held.detail());
    assertEquals(before, admin("/id/game"), "nothing changed in Caddy");
    FrontDoor.Caddy named = new FrontDoor.Caddy(URI.create("http://127.0.0.1:" + adminPort), "127.0.0.1:" + armPort,
        "game", Duration.ofSeconds(10), null, "127.0.0.1:" + homePort);
    home.stop(0);
    FrontDoorResult withPlan = activities.hold(new FrontDoorRequest("game", named, Side.SOURCE));
    assertTrue(withPlan.detail().contains("for 127.0.0.1:" + homePort), "the plan's sourceUpstream: " + withPlan);
  }

  @Test
  void aBurstOfWritesHeldThroughTheFreezeReachesTheTargetMaxConnectionsAtATime() throws Exception {
    int maxConnections = 4;
    int burst = 60;
    activities.hold(new FrontDoorRequest("game", door(maxConnections), Side.TARGET));
    home.stop(0);
    players = Executors.newFixedThreadPool(burst);
    Queue<Answer> answers = new ConcurrentLinkedQueue<>();
    AtomicInteger sent = new AtomicInteger();
    for (int i = 0; i < burst; i++) {
      // Writes: Caddy 2.6 retries a POST only after a refused connection, so this also proves the limit
      // never turns a held write into an error.
      players.submit(() -> answers.add(play("POST", sent)));
    }
    awaitTrue(Duration.ofSeconds(10), () -> sent.get() == burst, "the burst to be sent and held");

    // The target app: as many threads as the burst, so only Caddy can keep the requests apart.
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger mostAtOnce = new AtomicInteger();
    arm = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), armPort), burst);
    ExecutorService armThreads = Executors.newFixedThreadPool(burst);
    arm.setExecutor(armThreads);
    arm.createContext("/", exchange -> {
      mostAtOnce.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      try {
        Thread.sleep(30); // a request's work, so that requests let through together overlap
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      inFlight.decrementAndGet();
      exchange.getResponseHeaders().add("X-Served-By", "arm");
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    arm.start();
    players.shutdown();
    try {
      assertTrue(players.awaitTermination(30, TimeUnit.SECONDS), "every held request answered");
    } finally {
      arm.stop(0);
      armThreads.shutdownNow();
    }

    assertEquals(burst, answers.stream().filter(a -> a.status() == 200 && "arm".equals(a.servedBy())).count(),
        () -> "every held request served by arm: " + answers);
    // Without the limit about thirty arrive together (measured), however many threads the upstream has.
    assertTrue(mostAtOnce.get() <= maxConnections, "at most " + maxConnections + " at once, saw " + mostAtOnce.get());
    assertTrue(mostAtOnce.get() >= 2, "requests still overlap up to the limit, saw " + mostAtOnce.get());
  }

  @Test
  void switchWithoutHoldInsertsTheHandlerAndRevertRemovesIt() throws Exception {
    JsonNode original = admin("/id/game");
    arm = upstream(armPort, "arm");

    activities.pointAt(request(Side.TARGET));
    assertEquals("arm", get().header("X-Served-By"));
    assertTrue(activities.pointAt(request(Side.TARGET)).detail().contains("nothing changed"));

    activities.pointAt(request(Side.SOURCE));
    assertEquals("home", get().header("X-Served-By"));
    assertEquals(original, admin("/id/game"));
  }

  @Test
  void holdRefusesATargetThatAlreadyAccepts() throws Exception {
    arm = upstream(armPort, "arm");

    ApplicationFailure failure = assertThrows(ApplicationFailure.class, () -> activities.hold(request(Side.TARGET)));

    assertTrue(failure.isNonRetryable());
    assertTrue(failure.getOriginalMessage().contains("already accepts connections"), failure.getOriginalMessage());
    assertEquals("home", get().header("X-Served-By"), "nothing changed in Caddy");
  }

  @Test
  void checkNamesAMissingRouteId() {
    FrontDoor.Caddy wrong = new FrontDoor.Caddy(URI.create("http://127.0.0.1:" + adminPort), "127.0.0.1:" + armPort,
        "no-such-route", Duration.ofSeconds(10), null, null);

    ApplicationFailure failure = assertThrows(ApplicationFailure.class,
        () -> activities.check(new FrontDoorRequest("game", wrong, Side.TARGET)));

    assertEquals("INVALID_PLAN", failure.getType());
    assertTrue(failure.getOriginalMessage().contains("no-such-route"), failure.getOriginalMessage());
  }

  // ---- the player, the upstreams and Caddy ----

  /**
   * The freeze's length with the players sending: no answer may fail meanwhile. Returns when it began. The
   * sleep paces the checks, it does not synchronise anything: the answers are what is asserted.
   */
  private static long freezeFor(Duration length, Queue<Answer> answers) throws InterruptedException {
    long started = System.nanoTime();
    long ends = started + length.toNanos();
    while (System.nanoTime() < ends) {
      assertTrue(answers.stream().allMatch(a -> a.status() == 200), () -> "a request failed in the freeze: " + answers);
      Thread.sleep(50);
    }
    return started;
  }

  /** Ten answers from {@code upstream} to requests sent after {@code since}, then the players stopped. */
  private void awaitServedAfter(long since, String upstream, Queue<Answer> answers) throws Exception {
    awaitTrue(Duration.ofSeconds(10),
        () -> answers.stream().filter(a -> a.sentAtNanos() > since && upstream.equals(a.servedBy())).count() >= 10,
        upstream + " to answer after the switch");
    ticker.shutdown();
    players.shutdown();
    assertTrue(players.awaitTermination(15, TimeUnit.SECONDS), "every request finished");
  }

  private void startPlayer(Queue<Answer> answers) {
    ticker = Executors.newSingleThreadScheduledExecutor();
    players = Executors.newCachedThreadPool();
    ticker.scheduleAtFixedRate(() -> players.submit(() -> answers.add(play())), 0, 50, TimeUnit.MILLISECONDS);
  }

  private Answer play() {
    return play("GET", new AtomicInteger());
  }

  /** One request on a fresh connection, as a browser after a pause would send it; counted once sent. */
  private Answer play(String method, AtomicInteger sentCount) {
    long sent = System.nanoTime();
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), httpPort)) {
      socket.setSoTimeout(20_000);
      OutputStream out = socket.getOutputStream();
      out.write((method + " /play HTTP/1.1\r\nHost: game.example.com\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      sentCount.incrementAndGet();
      BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
      String statusLine = in.readLine();
      String servedBy = null;
      for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
        if (line.toLowerCase().startsWith("x-served-by:")) {
          servedBy = line.substring("x-served-by:".length()).trim();
        }
      }
      int status = statusLine == null ? -1 : Integer.parseInt(statusLine.split(" ")[1]);
      return new Answer(sent, (System.nanoTime() - sent) / 1_000_000, status, servedBy, null);
    } catch (IOException | RuntimeException e) {
      return new Answer(sent, (System.nanoTime() - sent) / 1_000_000, -1, null, e.toString());
    }
  }

  private static long count(Queue<Answer> answers, String servedBy) {
    return answers.stream().filter(a -> servedBy.equals(a.servedBy())).count();
  }

  private static HttpServer upstream(int port, String name) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
    server.createContext("/", exchange -> {
      byte[] body = name.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("X-Served-By", name);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
    return server;
  }

  private Response get() throws IOException {
    try (Response response = http.newCall(new Request.Builder()
        .url("http://127.0.0.1:" + httpPort + "/").header("Connection", "close").build()).execute()) {
      assertEquals(200, response.code());
      return response;
    }
  }

  private JsonNode admin(String path) throws IOException {
    try (Response response = http.newCall(new Request.Builder().url("http://127.0.0.1:" + adminPort + path).build())
        .execute()) {
      assertEquals(200, response.code(), path);
      return JSON.readTree(response.body().string());
    }
  }

  private boolean adminAnswers() {
    try {
      admin("/config/");
      return true;
    } catch (IOException | AssertionError e) {
      return false;
    }
  }

  private void awaitTrue(Duration limit, BooleanSupplier condition, String what) throws Exception {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        String log = Files.exists(dir.resolve("caddy.log")) ? Files.readString(dir.resolve("caddy.log")) : "";
        fail("waited " + limit.toSeconds() + " s for " + what + "; caddy log tail: "
            + log.substring(Math.max(0, log.length() - 2000)));
      }
      Thread.sleep(20);
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
