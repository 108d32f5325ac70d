package dev.cutover.frontdoor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.frontdoor.FrontDoorActivities.FrontDoorRequest;
import dev.cutover.frontdoor.FrontDoorActivities.FrontDoorResult;
import dev.cutover.frontdoor.FrontDoorActivities.Side;
import dev.cutover.plan.FrontDoor;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Caddy's admin server closes a connection after 60 s idle; the client's pool still holds it. Played here by
 * an admin stand-in that closes every connection right after its answer, so the next call meets a pooled
 * connection the server has already closed (in a move at L, the hold came minutes after the last admin call
 * and its first attempt failed so, every time).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CaddyAdminConnectionTest {

  private static final String ROUTE = "{\"@id\":\"game\",\"handle\":[{\"handler\":\"reverse_proxy\","
      + "\"upstreams\":[{\"dial\":\"127.0.0.1:9\"}]}]}";

  private final MockWebServer admin = new MockWebServer();
  /** As the worker's: a connection failure is never retried by the client itself. */
  private final OkHttpClient http = new OkHttpClient.Builder().retryOnConnectionFailure(false).build();
  private final FrontDoorActivitiesImpl activities = new FrontDoorActivitiesImpl(http, name -> null);

  @AfterEach
  void stop() throws IOException {
    admin.shutdown();
    http.connectionPool().evictAll();
  }

  @Test
  void aReadOnAConnectionTheAdminClosedIsSentAgainOnANewOne() throws Exception {
    admin.enqueue(closingAfter("{}"));
    admin.enqueue(closingAfter(ROUTE));

    FrontDoorResult checked = activities.check(request());

    assertTrue(checked.detail().startsWith("admin API answers; route game has 1 handler(s)"), checked.detail());
    RecordedRequest config = admin.takeRequest(5, TimeUnit.SECONDS);
    RecordedRequest route = admin.takeRequest(5, TimeUnit.SECONDS);
    assertEquals("/config/", config.getPath());
    assertEquals("/id/game", route.getPath());
    assertEquals(0, route.getSequenceNumber(), "the route was read on a connection of its own");
    assertEquals(2, admin.getRequestCount());
  }

  @Test
  void aWriteWhoseConnectionFailsIsNotSentAgain() throws Exception {
    // The hold reads the route first (the connection stays open), then inserts its handler.
    admin.enqueue(new MockResponse().setHeader("Content-Type", "application/json").setBody(ROUTE));
    // The answer is cut off halfway: whether the write took effect is unknown to the client.
    admin.enqueue(new MockResponse().setBody("{\"a\": \"" + "x".repeat(4096) + "\"}")
        .setSocketPolicy(SocketPolicy.DISCONNECT_DURING_RESPONSE_BODY));
    admin.enqueue(new MockResponse()); // what a second PUT would get

    ApplicationFailure failure = assertThrows(ApplicationFailure.class, () -> activities.hold(request()));

    assertEquals("FRONT_DOOR_FAILED", failure.getType());
    assertTrue(failure.getOriginalMessage().contains("for PUT /id/game/handle/0"), failure.getOriginalMessage());
    assertEquals("/id/game", admin.takeRequest(5, TimeUnit.SECONDS).getPath());
    assertEquals("PUT", admin.takeRequest(5, TimeUnit.SECONDS).getMethod());
    assertEquals(2, admin.getRequestCount(), "the write went once; the activity's retry reads before writing again");
  }

  @Test
  void aReadThatTimesOutIsNotSentAgain() throws Exception {
    OkHttpClient impatient = http.newBuilder().readTimeout(300, TimeUnit.MILLISECONDS).build();
    admin.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE)); // a hung admin API
    admin.enqueue(closingAfter("{}"));

    ApplicationFailure failure = assertThrows(ApplicationFailure.class,
        () -> new FrontDoorActivitiesImpl(impatient, name -> null).check(request()));

    assertEquals("FRONT_DOOR_FAILED", failure.getType());
    assertTrue(failure.getOriginalMessage().contains("SocketTimeoutException"), failure.getOriginalMessage());
    assertEquals(1, admin.getRequestCount(), "a hung server is asked once per attempt, not twice");
  }

  private FrontDoorRequest request() {
    FrontDoor.Caddy door = new FrontDoor.Caddy(admin.url("/").uri(), "127.0.0.1:9", "game", Duration.ofSeconds(10),
        null, null);
    return new FrontDoorRequest("game", door, Side.TARGET);
  }

  private static MockResponse closingAfter(String body) {
    return new MockResponse().setHeader("Content-Type", "application/json").setBody(body)
        .setSocketPolicy(SocketPolicy.DISCONNECT_AT_END);
  }
}
