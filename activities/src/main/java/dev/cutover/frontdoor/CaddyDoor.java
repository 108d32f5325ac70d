package dev.cutover.frontdoor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cutover.frontdoor.FrontDoorActivities.FrontDoorResult;
import dev.cutover.frontdoor.FrontDoorActivities.Side;
import dev.cutover.plan.FrontDoor.Caddy;
import dev.cutover.workflow.CutoverFailure;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * The {@code caddy} front door, over Caddy's admin API. It never rewrites the operator's route: it
 * inserts one {@code reverse_proxy} handler of its own at the head of the route (which then answers every
 * request, shadowing the original handlers) and removes it to point back.
 *
 * <p>The handler forwards to the target and retries a refused connection for up to {@code holdFor}. It is
 * put in place at the start of the freeze, while the target app is still stopped, so requests wait and
 * then flow the moment the target starts accepting. It has to be in place before the wait because Caddy
 * 2.6 cancels requests that are waiting in a retry whenever its configuration changes (measured on 2.6.2:
 * a held request got 502 the instant another server was added); requests already being proxied survive.
 * So the switch itself changes no configuration when the hold already did.
 *
 * <p>A rollback holds the same way toward the plan's source ({@code sourceUpstream}, or the route's own
 * {@code reverse_proxy} upstream): while the target app still serves, the handler is pointed at the stopped
 * source app, so the rollback's held requests flow as the source starts. Pointing back then removes the
 * handler only once the source has accepted for longer than a retry's interval, when no request is left
 * waiting in a retry for the removal to cancel.
 */
final class CaddyDoor {

  private static final MediaType JSON_TYPE = MediaType.get("application/json");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TRY_INTERVAL = "100ms";
  private static final int PROBE_TIMEOUT_MILLIS = 1000;
  /** Longer than {@link #TRY_INTERVAL}: by then every held request has tried again and been forwarded. */
  private static final long DRAIN_MILLIS = 250;
  private static final long DRAIN_LIMIT_MILLIS = 5_000;
  private static final long DRAIN_POLL_MILLIS = 25;

  private final OkHttpClient http;

  CaddyDoor(OkHttpClient http) {
    this.http = http;
  }

  static String handlerId(Caddy door) {
    return door.routeId() + "-cutover";
  }

  FrontDoorResult check(Caddy door, Side side) {
    call(door, "GET", admin(door, "config", ""), null);
    JsonNode route = route(door);
    boolean held = hasOurHandler(route, door);
    return new FrontDoorResult("caddy", side, "admin API answers; route " + door.routeId() + " has "
        + route.get("handle").size() + " handler(s)" + (held ? ", cutover's handler already in place" : ""));
  }

  /**
   * Start of the freeze: requests wait for {@code side}'s app instead of failing while nothing accepts
   * them. The plan's target for a move; its source for a rollback, when Caddy's route says where it is.
   */
  FrontDoorResult hold(Caddy door, Side side) {
    JsonNode route = route(door);
    String upstream = side == Side.TARGET ? door.targetUpstream() : sourceUpstream(door, route);
    if (upstream == null) {
      return new FrontDoorResult("caddy", side, "cannot hold on the way back: route " + door.routeId()
          + " has no reverse_proxy handler of its own with one upstream; set frontDoor.sourceUpstream");
    }
    if (desired(door, upstream).equals(ourHandler(route, door))) {
      return new FrontDoorResult("caddy", side, "requests already held for " + upstream);
    }
    if (accepts(upstream)) {
      // Holding at an app that already answers would let it take requests before its database is live.
      throw ApplicationFailure.newBuilder()
          .setType(CutoverFailure.FRONT_DOOR_FAILED.name())
          .setMessage("the " + (side == Side.TARGET ? "target " : "source ") + upstream + " already accepts"
              + " connections: Caddy would forward requests to it during the freeze; keep that app stopped until"
              + " the switch")
          .setNonRetryable(true)
          .build();
    }
    String how = install(door, route, upstream);
    return new FrontDoorResult("caddy", side, how + "; requests wait up to " + door.holdFor().toSeconds()
        + " s for " + upstream + " to accept");
  }

  FrontDoorResult pointAt(Caddy door, Side side) {
    JsonNode route = route(door);
    if (side == Side.TARGET) {
      if (desired(door, door.targetUpstream()).equals(ourHandler(route, door))) {
        return new FrontDoorResult("caddy", side, "route " + door.routeId() + " already forwards to "
            + door.targetUpstream() + "; nothing changed, held requests flow as it accepts");
      }
      return new FrontDoorResult("caddy", side, install(door, route, door.targetUpstream()) + "; forwarding to "
          + door.targetUpstream());
    }
    if (!hasOurHandler(route, door)) {
      return new FrontDoorResult("caddy", side, "route " + door.routeId() + " already serves from its own"
          + " handlers; nothing changed");
    }
    String source = sourceUpstream(door, route);
    String drained = "";
    if (source != null && source.equals(dialOf(ourHandler(route, door)))) {
      drained = "; " + awaitHeldDrained(source);
    }
    call(door, "DELETE", admin(door, "id", handlerId(door)), null);
    return new FrontDoorResult("caddy", side, "removed cutover's handler: route " + door.routeId()
        + " serves from its own handlers again" + drained);
  }

  /**
   * Waits until {@code upstream} has accepted connections for longer than a retry's interval, so every
   * request the hold kept waiting has been forwarded and no longer waits in a retry that a configuration
   * change would cancel. At most {@link #DRAIN_LIMIT_MILLIS}: a source that does not come up gets no better
   * by waiting, and its own handlers are where the route must point.
   */
  private static String awaitHeldDrained(String upstream) {
    long started = System.nanoTime();
    long deadline = started + DRAIN_LIMIT_MILLIS * 1_000_000L;
    Long acceptingSince = null;
    while (System.nanoTime() < deadline) {
      if (accepts(upstream)) {
        acceptingSince = acceptingSince == null ? System.nanoTime() : acceptingSince;
        if (System.nanoTime() - acceptingSince >= DRAIN_MILLIS * 1_000_000L) {
          return "held requests had reached " + upstream + " (" + (System.nanoTime() - started) / 1_000_000
              + " ms)";
        }
      } else {
        acceptingSince = null;
      }
      try {
        Thread.sleep(DRAIN_POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return upstream + " did not accept for " + DRAIN_MILLIS + " ms within " + DRAIN_LIMIT_MILLIS
        + " ms: requests still held were cancelled";
  }

  /**
   * Where the plan's source app is, as Caddy dials it: the plan's {@code sourceUpstream}, or the single
   * upstream of the route's own first {@code reverse_proxy} handler; null when neither says.
   */
  private static String sourceUpstream(Caddy door, JsonNode route) {
    if (door.sourceUpstream() != null) {
      return door.sourceUpstream();
    }
    for (JsonNode handler : route.get("handle")) {
      boolean ours = handlerId(door).equals(handler.path("@id").asText());
      if (!ours && "reverse_proxy".equals(handler.path("handler").asText())) {
        return handler.path("upstreams").size() == 1 ? dialOf(handler) : null;
      }
    }
    return null;
  }

  private static String dialOf(JsonNode handler) {
    JsonNode dial = handler.path("upstreams").path(0).path("dial");
    return dial.isTextual() ? dial.asText() : null;
  }

  /** Puts our handler in place: inserted at the head, or replaced where it is (a changed holdFor or side). */
  private String install(Caddy door, JsonNode route, String upstream) {
    if (hasOurHandler(route, door)) {
      call(door, "PATCH", admin(door, "id", handlerId(door)), desired(door, upstream));
      return "updated cutover's handler in route " + door.routeId();
    }
    call(door, "PUT", admin(door, "id", door.routeId(), "handle", "0"), desired(door, upstream));
    return "inserted cutover's handler at the head of route " + door.routeId();
  }

  private static ObjectNode desired(Caddy door, String upstream) {
    ObjectNode handler = JSON.createObjectNode()
        .put("@id", handlerId(door))
        .put("handler", "reverse_proxy");
    handler.putArray("upstreams").addObject().put("dial", upstream);
    handler.putObject("load_balancing")
        .put("try_duration", door.holdFor().toMillis() + "ms")
        .put("try_interval", TRY_INTERVAL);
    if (door.maxConnections() != null && door.maxConnections() > 0) {
      // A limit in the transport, where a request over it waits for a connection to free up. Limits that
      // make the upstream "unavailable" instead (max_requests, passive or active health checks) get a
      // POST answered 503 at once in Caddy 2.6 (measured on 2.6.2): it retries only GETs when no
      // upstream is available, and the hold would fail every write.
      handler.putObject("transport")
          .put("protocol", "http")
          .put("max_conns_per_host", door.maxConnections());
    }
    return handler;
  }

  private static boolean hasOurHandler(JsonNode route, Caddy door) {
    return ourHandler(route, door) != null;
  }

  private static JsonNode ourHandler(JsonNode route, Caddy door) {
    for (JsonNode handler : route.get("handle")) {
      if (handlerId(door).equals(handler.path("@id").asText())) {
        return handler;
      }
    }
    return null;
  }

  private JsonNode route(Caddy door) {
    JsonNode route = call(door, "GET", admin(door, "id", door.routeId()), null);
    if (route == null || !route.path("handle").isArray()) {
      throw CutoverFailure.INVALID_PLAN.failure("the object with @id " + door.routeId() + " in Caddy's"
          + " configuration is not a route with a handle list: frontDoor.routeId must name the app's route");
    }
    return route;
  }

  private static HttpUrl admin(Caddy door, String... segments) {
    HttpUrl base = HttpUrl.get(door.adminUrl());
    HttpUrl.Builder builder = base.newBuilder();
    for (String segment : segments) {
      builder.addPathSegment(segment);
    }
    return builder.build();
  }

  private JsonNode call(Caddy door, String method, HttpUrl url, JsonNode body) {
    Request.Builder request = new Request.Builder().url(url);
    request.method(method, body == null ? null : RequestBody.create(body.toString(), JSON_TYPE));
    String what = method + " " + url.encodedPath();
    try (Response response = PooledCalls.execute(http, request.build())) {
      String text = response.body() == null ? "" : response.body().string();
      if (response.code() == 404 && url.pathSegments().get(0).equals("id")) {
        throw CutoverFailure.INVALID_PLAN.failure("Caddy's configuration has no object with @id "
            + url.pathSegments().get(1) + ": set \"@id\": \"" + door.routeId() + "\" on the app's route");
      }
      if (response.code() >= 500) {
        throw CutoverFailure.FRONT_DOOR_FAILED.failure("Caddy answered HTTP " + response.code() + " to " + what
            + ": " + text.strip());
      }
      if (response.code() >= 300) {
        throw ApplicationFailure.newBuilder()
            .setType(CutoverFailure.FRONT_DOOR_FAILED.name())
            .setMessage("Caddy refused " + what + " (HTTP " + response.code() + "): " + text.strip())
            .setNonRetryable(true)
            .build();
      }
      return text.isBlank() ? null : JSON.readTree(text);
    } catch (IOException e) {
      throw CutoverFailure.FRONT_DOOR_FAILED.failure("cannot reach Caddy's admin API at " + door.adminUrl()
          + " for " + what + ": " + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : " " + e.getMessage()));
    }
  }

  /** Seen from this worker; Caddy's box may see more, so this only catches the plain mistake. */
  private static boolean accepts(String upstream) {
    int colon = upstream.lastIndexOf(':');
    String host = upstream.substring(0, colon).replaceAll("^\\[|\\]$", "");
    int port = Integer.parseInt(upstream.substring(colon + 1));
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), PROBE_TIMEOUT_MILLIS);
      return true;
    } catch (IOException refused) {
      return false;
    }
  }
}
