package dev.cutover.frontdoor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cutover.frontdoor.FrontDoorActivities.FrontDoorRequest;
import dev.cutover.frontdoor.FrontDoorActivities.FrontDoorResult;
import dev.cutover.frontdoor.FrontDoorActivities.Side;
import dev.cutover.plan.FrontDoor.CloudflareTunnel;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The Cloudflare v4 API played by MockWebServer with the documented envelope and shapes. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CloudflareTunnelDoorTest {

  private static final String TOKEN = "cf-secret-token-4f1c9e";
  private static final String ACCOUNT = "0123abcd";
  private static final String TUNNEL = "6ff42ae2-765d-4adf-8112-31c55c1551ef";
  private static final String SOURCE_TUNNEL = "11111111-2222-3333-4444-555555555555";
  private static final String TARGET_TUNNEL = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
  private static final String ZONE = "9a7806061c88ada191ed06f989cc3dac";
  private static final String HOME = "http://localhost:8080";
  private static final String ARM = "http://10.0.0.9:8080";
  private static final ObjectMapper JSON = new ObjectMapper();

  // Rules the move must not touch, with an originRequest, odd numbers and key orders, and the catch-all.
  private static final String BLOG_RULE =
      "{\"service\":\"http://localhost:2368\",\"hostname\":\"blog.example.com\","
          + "\"originRequest\":{\"noTLSVerify\":true,\"connectTimeout\":30,\"keepAliveTimeout\":90.50,"
          + "\"httpHostHeader\":\"blog.example.com\"}}";
  private static final String GAME_ADMIN_RULE =
      "{\"hostname\":\"game.example.com\",\"path\":\"^/admin\",\"service\":\"http://localhost:9000\"}";
  private static final String CATCH_ALL = "{\"service\":\"http_status:404\"}";

  private final MockWebServer api = new MockWebServer();
  private FrontDoorActivitiesImpl activities;
  @TempDir Path dir;

  @BeforeEach
  void start() throws IOException {
    api.start(java.net.InetAddress.getLoopbackAddress(), 0);
    OkHttpClient http = new OkHttpClient.Builder().retryOnConnectionFailure(false).build();
    activities = new FrontDoorActivitiesImpl(http, Map.of("CF_API_TOKEN", TOKEN)::get);
  }

  @AfterEach
  void stop() throws IOException {
    api.shutdown();
  }

  private CloudflareTunnel ingress() {
    return new CloudflareTunnel(ACCOUNT, "game.example.com", CloudflareTunnel.Mode.INGRESS, TUNNEL, HOME, ARM,
        null, null, null, "CF_API_TOKEN", null, api.url("/client/v4").uri());
  }

  private CloudflareTunnel dns() throws IOException {
    Path tokenFile = dir.resolve("cf-token");
    Files.writeString(tokenFile, TOKEN + "\n");
    return new CloudflareTunnel(ACCOUNT, "game.example.com", CloudflareTunnel.Mode.DNS, null, null, null, ZONE,
        SOURCE_TUNNEL, TARGET_TUNNEL, null, tokenFile.toString(), api.url("/client/v4").uri());
  }

  private static String ok(String result) {
    return "{\"success\":true,\"errors\":[],\"messages\":[],\"result\":" + result + "}";
  }

  private static MockResponse json(int code, String body) {
    return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json").setBody(body);
  }

  private static String configuration(String gameService) {
    return ok("{\"account_id\":\"" + ACCOUNT + "\",\"tunnel_id\":\"" + TUNNEL + "\",\"version\":7,"
        + "\"source\":\"cloudflare\",\"created_at\":\"2026-11-01T10:00:00Z\",\"config\":{\"ingress\":["
        + BLOG_RULE + ",{\"hostname\":\"game.example.com\",\"service\":\"" + gameService + "\","
        + "\"originRequest\":{\"connectTimeout\":10}}," + GAME_ADMIN_RULE + "," + CATCH_ALL + "],"
        + "\"originRequest\":{\"keepAliveConnections\":100},\"warp-routing\":{\"enabled\":false}}}");
  }

  private static String cname(String tunnel) {
    return ok("[{\"id\":\"372e67954025e0ba6aaa6d586b9e0b59\",\"zone_id\":\"" + ZONE + "\",\"name\":\"game.example.com\","
        + "\"type\":\"CNAME\",\"content\":\"" + tunnel + ".cfargotunnel.com\",\"proxied\":true,\"ttl\":1,"
        + "\"comment\":\"the game\"}]");
  }

  private FrontDoorResult pointAt(CloudflareTunnel door, Side side) {
    return activities.pointAt(new FrontDoorRequest("game", door, side));
  }

  private RecordedRequest next() throws InterruptedException {
    RecordedRequest request = api.takeRequest(5, TimeUnit.SECONDS);
    assertTrue(request != null, "expected another request to the API");
    assertEquals("Bearer " + TOKEN, request.getHeader("Authorization"));
    return request;
  }

  @Test
  void switchChangesOnlyTheHostnamesRuleAndKeepsEverythingElseExactly() throws Exception {
    api.enqueue(json(200, configuration(HOME)));
    api.enqueue(json(200, configuration(ARM)));

    FrontDoorResult result = pointAt(ingress(), Side.TARGET);

    RecordedRequest get = next();
    assertEquals("GET", get.getMethod());
    assertEquals("/client/v4/accounts/" + ACCOUNT + "/cfd_tunnel/" + TUNNEL + "/configurations", get.getPath());
    RecordedRequest put = next();
    assertEquals("PUT", put.getMethod());
    assertEquals(get.getPath(), put.getPath());
    String body = put.getBody().readUtf8();
    JsonNode ingress = JSON.readTree(body).get("config").get("ingress");
    assertEquals(4, ingress.size());
    assertTrue(body.contains(BLOG_RULE), "the blog rule goes back byte for byte: " + body);
    assertTrue(body.contains(GAME_ADMIN_RULE), "a rule of the hostname reaching a third service is untouched");
    assertTrue(body.endsWith(CATCH_ALL + "],\"originRequest\":{\"keepAliveConnections\":100},"
        + "\"warp-routing\":{\"enabled\":false}}}"), body);
    assertEquals("{\"hostname\":\"game.example.com\",\"service\":\"" + ARM + "\",\"originRequest\":{\"connectTimeout\":10}}",
        ingress.get(1).toString());
    assertEquals(Side.TARGET, result.side());
    assertTrue(result.detail().contains("now reaches " + ARM), result.detail());
    assertEquals(2, api.getRequestCount());
  }

  @Test
  void revertRestoresTheSourceServiceExactly() throws Exception {
    api.enqueue(json(200, configuration(ARM)));
    api.enqueue(json(200, configuration(HOME)));

    pointAt(ingress(), Side.SOURCE);

    next();
    RecordedRequest put = next();
    assertEquals("PUT", put.getMethod());
    // As the API itself would have served it with the source in place, text for text.
    String served = configuration(HOME);
    String config = served.substring(served.indexOf("\"config\":") + 9, served.length() - 2);
    assertEquals("{\"config\":" + config + "}", put.getBody().readUtf8());
  }

  @Test
  void repeatingASwitchAlreadyDoneWritesNothing() throws Exception {
    api.enqueue(json(200, configuration(ARM)));

    FrontDoorResult result = pointAt(ingress(), Side.TARGET);

    assertEquals("GET", next().getMethod());
    assertEquals(1, api.getRequestCount());
    assertTrue(result.detail().contains("nothing changed"), result.detail());
  }

  @Test
  void checkVerifiesTheTokenAndFindsTheRule() throws Exception {
    api.enqueue(json(200, ok("{\"id\":\"ed17574386854bf78a67040be0a770b0\",\"status\":\"active\"}")));
    api.enqueue(json(200, configuration(HOME)));

    FrontDoorResult result = activities.check(new FrontDoorRequest("game", ingress(), Side.TARGET));

    assertEquals("/client/v4/user/tokens/verify", next().getPath());
    assertEquals("GET", next().getMethod());
    assertTrue(result.detail().contains("reaches the source (" + HOME + ")"), result.detail());
  }

  @Test
  void checkRefusesAHostnameThatReachesNeitherSide() {
    api.enqueue(json(200, ok("{\"id\":\"x\",\"status\":\"active\"}")));
    api.enqueue(json(200, configuration("http://localhost:7777")));

    ApplicationFailure failure = assertThrows(ApplicationFailure.class,
        () -> activities.check(new FrontDoorRequest("game", ingress(), Side.TARGET)));

    assertEquals("INVALID_PLAN", failure.getType());
    assertTrue(failure.getOriginalMessage().contains("http://localhost:7777"), failure.getOriginalMessage());
  }

  @Test
  void dnsModePatchesOnlyTheContentOfTheOneRecord() throws Exception {
    CloudflareTunnel door = dns();
    api.enqueue(json(200, cname(SOURCE_TUNNEL)));
    api.enqueue(json(200, ok("{\"id\":\"372e67954025e0ba6aaa6d586b9e0b59\",\"content\":\"" + TARGET_TUNNEL
        + ".cfargotunnel.com\"}")));
    api.enqueue(json(200, cname(TARGET_TUNNEL)));

    pointAt(door, Side.TARGET);
    FrontDoorResult again = pointAt(door, Side.TARGET);

    RecordedRequest list = next();
    assertEquals("GET", list.getMethod());
    assertEquals("/client/v4/zones/" + ZONE + "/dns_records", list.getRequestUrl().encodedPath());
    assertEquals("CNAME", list.getRequestUrl().queryParameter("type"));
    assertEquals("game.example.com", list.getRequestUrl().queryParameter("name"));
    RecordedRequest patch = next();
    assertEquals("PATCH", patch.getMethod());
    assertEquals("/client/v4/zones/" + ZONE + "/dns_records/372e67954025e0ba6aaa6d586b9e0b59", patch.getPath());
    assertEquals("{\"content\":\"" + TARGET_TUNNEL + ".cfargotunnel.com\"}", patch.getBody().readUtf8());
    assertEquals("GET", next().getMethod());
    assertEquals(3, api.getRequestCount(), "the repeat only reads");
    assertTrue(again.detail().contains("nothing changed"), again.detail());
  }

  @Test
  void dnsRevertPointsTheRecordBackAtTheSourceTunnel() throws Exception {
    api.enqueue(json(200, cname(TARGET_TUNNEL)));
    api.enqueue(json(200, ok("{}")));

    pointAt(dns(), Side.SOURCE);

    next();
    assertEquals("{\"content\":\"" + SOURCE_TUNNEL + ".cfargotunnel.com\"}", next().getBody().readUtf8());
  }

  @Test
  void unauthorizedIsNonRetryableAndNamesThePermission() {
    api.enqueue(json(200, configuration(HOME)));
    api.enqueue(json(401, "{\"success\":false,\"errors\":[{\"code\":10000,\"message\":\"Authentication error\"}],"
        + "\"messages\":[],\"result\":null}"));

    ApplicationFailure failure = assertThrows(ApplicationFailure.class, () -> pointAt(ingress(), Side.TARGET));

    assertEquals("AUTH_REJECTED", failure.getType());
    assertTrue(failure.isNonRetryable());
    assertTrue(failure.getOriginalMessage().contains("Account > Cloudflare Tunnel > Edit"), failure.getOriginalMessage());
    assertTrue(failure.getOriginalMessage().contains("10000: Authentication error"), failure.getOriginalMessage());
  }

  @Test
  void forbiddenTokenFailsCheckAfterBothVerifyEndpoints() throws Exception {
    api.enqueue(json(403, "{\"success\":false,\"errors\":[{\"code\":9109,\"message\":\"Unauthorized\"}]}"));
    api.enqueue(json(403, "{\"success\":false,\"errors\":[{\"code\":9109,\"message\":\"Unauthorized\"}]}"));

    ApplicationFailure failure = assertThrows(ApplicationFailure.class,
        () -> activities.check(new FrontDoorRequest("game", dns(), Side.TARGET)));

    assertEquals("AUTH_REJECTED", failure.getType());
    assertTrue(failure.isNonRetryable());
    assertEquals("/client/v4/user/tokens/verify", next().getPath());
    assertEquals("/client/v4/accounts/" + ACCOUNT + "/tokens/verify", next().getPath());
  }

  @Test
  void rateLimitIsRetriedAfterRetryAfter() {
    api.enqueue(json(429, "{\"success\":false,\"errors\":[{\"code\":971,\"message\":\"Please wait\"}]}")
        .setHeader("Retry-After", "7"));

    ApplicationFailure failure = assertThrows(ApplicationFailure.class, () -> pointAt(ingress(), Side.TARGET));

    assertEquals("FRONT_DOOR_FAILED", failure.getType());
    assertFalse(failure.isNonRetryable());
    assertEquals(Duration.ofSeconds(7), failure.getNextRetryDelay());
  }

  @Test
  void serverErrorIsRetryableAndTheRetrySucceeds() throws Exception {
    api.enqueue(json(500, "{\"success\":false,\"errors\":[{\"code\":1000,\"message\":\"internal\"}]}"));
    api.enqueue(json(200, configuration(HOME)));
    api.enqueue(json(200, configuration(ARM)));

    ApplicationFailure failure = assertThrows(ApplicationFailure.class, () -> pointAt(ingress(), Side.TARGET));
    assertEquals("FRONT_DOOR_FAILED", failure.getType());
    assertFalse(failure.isNonRetryable());
    assertNull(failure.getNextRetryDelay());

    FrontDoorResult retried = pointAt(ingress(), Side.TARGET);

    assertTrue(retried.detail().contains("now reaches " + ARM), retried.detail());
    assertEquals(3, api.getRequestCount());
  }

  @Test
  void aBrokenConnectionIsRetryable() {
    api.enqueue(new MockResponse().setSocketPolicy(okhttp3.mockwebserver.SocketPolicy.DISCONNECT_AT_START));

    ApplicationFailure failure = assertThrows(ApplicationFailure.class, () -> pointAt(ingress(), Side.TARGET));

    assertEquals("FRONT_DOOR_FAILED", failure.getType());
    assertFalse(failure.isNonRetryable());
  }

  @Test
  void theTokenAppearsInNoMessageOrResult() throws Exception {
    // Even an API that echoes the token back (a proxy's error page, say) must not leak it into history.
    String echo = "{\"success\":false,\"errors\":[{\"code\":1,\"message\":\"bad token " + TOKEN + "\"}]}";
    api.enqueue(json(401, echo));
    api.enqueue(json(401, echo));
    api.enqueue(json(500, echo));
    api.enqueue(json(400, echo));
    api.enqueue(json(200, configuration(HOME)));
    api.enqueue(json(200, configuration(ARM)));

    ApplicationFailure rejected = assertThrows(ApplicationFailure.class,
        () -> activities.check(new FrontDoorRequest("game", ingress(), Side.TARGET)));
    ApplicationFailure serverError = assertThrows(ApplicationFailure.class, () -> pointAt(ingress(), Side.TARGET));
    ApplicationFailure refused = assertThrows(ApplicationFailure.class, () -> pointAt(ingress(), Side.TARGET));
    FrontDoorResult result = pointAt(ingress(), Side.TARGET);

    for (String text : new String[] {rejected.getMessage(), serverError.getMessage(), refused.getMessage(),
        result.toString()}) {
      assertFalse(text.contains(TOKEN), text);
    }
    assertTrue(refused.isNonRetryable(), "a 400 repeats on retry");
    assertTrue(serverError.getOriginalMessage().contains("<token>"), serverError.getOriginalMessage());
  }

  @Test
  void aMissingTokenVariableSaysWhichOne() {
    CloudflareTunnel door = new CloudflareTunnel(ACCOUNT, "game.example.com", CloudflareTunnel.Mode.INGRESS,
        TUNNEL, HOME, ARM, null, null, null, "NOT_SET_ANYWHERE", null, api.url("/client/v4").uri());

    ApplicationFailure failure = assertThrows(ApplicationFailure.class, () -> pointAt(door, Side.TARGET));

    assertEquals("SECRET_MISSING", failure.getType());
    assertTrue(failure.getOriginalMessage().contains("NOT_SET_ANYWHERE"));
    assertEquals(0, api.getRequestCount());
  }
}
