package dev.cutover.frontdoor;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cutover.frontdoor.FrontDoorActivities.FrontDoorResult;
import dev.cutover.frontdoor.FrontDoorActivities.Side;
import dev.cutover.plan.FrontDoor.CloudflareTunnel;
import dev.cutover.workflow.CutoverFailure;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * The {@code cloudflare-tunnel} front door, over the Cloudflare v4 API. Every write is preceded by a read,
 * and only the one hostname's binding changes: the tunnel and the zone also carry other services, and
 * knocking those over would be a failure of its own (seed 001).
 */
final class CloudflareTunnelDoor {

  private static final MediaType JSON_TYPE = MediaType.get("application/json");
  private static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(10);

  // Exact numbers and key order: rules this door does not own go back byte for byte as JSON values.
  private static final ObjectMapper JSON = JsonMapper.builder()
      .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .build();

  private final OkHttpClient http;
  private final UnaryOperator<String> environment;

  CloudflareTunnelDoor(OkHttpClient http, UnaryOperator<String> environment) {
    this.http = http;
    this.environment = environment;
  }

  FrontDoorResult check(CloudflareTunnel door, Side side) {
    Api api = new Api(door, token(door));
    String verified = api.verifyToken();
    String state = switch (door.mode()) {
      case INGRESS -> ingressState(api, door);
      case DNS -> {
        String record = dnsState(api, door);
        api.call("GET", api.url("accounts", door.accountId(), "cfd_tunnel", door.targetTunnelId()), null,
            "Account > Cloudflare Tunnel > Read");
        yield record + "; target tunnel " + door.targetTunnelId() + " exists";
      }
    };
    return new FrontDoorResult("cloudflare-tunnel", side, verified + "; " + state);
  }

  FrontDoorResult pointAt(CloudflareTunnel door, Side side) {
    Api api = new Api(door, token(door));
    String detail = switch (door.mode()) {
      case INGRESS -> pointIngress(api, door, side);
      case DNS -> pointDns(api, door, side);
    };
    return new FrontDoorResult("cloudflare-tunnel", side, detail);
  }

  // ---- ingress mode: one rule of the tunnel's remotely managed configuration ----

  private record Ingress(ObjectNode config, List<ObjectNode> atSource, List<ObjectNode> atTarget) {}

  private static Ingress readIngress(Api api, CloudflareTunnel door) {
    JsonNode result = api.call("GET", configurationsUrl(api, door), null, "Account > Cloudflare Tunnel > Read");
    if (!(result.get("config") instanceof ObjectNode config) || !config.path("ingress").isArray()) {
      throw CutoverFailure.INVALID_PLAN.failure("tunnel " + door.tunnelId() + " has no remotely managed"
          + " configuration (it is configured by cloudflared's local config file): use mode dns, or a command"
          + " front door");
    }
    List<ObjectNode> atSource = new ArrayList<>();
    List<ObjectNode> atTarget = new ArrayList<>();
    List<String> elsewhere = new ArrayList<>();
    for (JsonNode rule : config.get("ingress")) {
      if (rule instanceof ObjectNode object && door.hostname().equalsIgnoreCase(rule.path("hostname").asText())) {
        String service = rule.path("service").asText();
        if (service.equals(door.sourceService())) {
          atSource.add(object);
        } else if (service.equals(door.targetService())) {
          atTarget.add(object);
        } else {
          elsewhere.add(service);
        }
      }
    }
    if (atSource.isEmpty() && atTarget.isEmpty()) {
      throw CutoverFailure.INVALID_PLAN.failure(elsewhere.isEmpty()
          ? "tunnel " + door.tunnelId() + " has no ingress rule for " + door.hostname()
          : "in tunnel " + door.tunnelId() + ", " + door.hostname() + " reaches " + String.join(", ", elsewhere)
              + ", neither sourceService (" + door.sourceService() + ") nor targetService ("
              + door.targetService() + ")");
    }
    return new Ingress(config, atSource, atTarget);
  }

  private static String ingressState(Api api, CloudflareTunnel door) {
    Ingress ingress = readIngress(api, door);
    return door.hostname() + " reaches " + (ingress.atSource().isEmpty() ? "the target (" + door.targetService()
        : "the source (" + door.sourceService()) + ") in tunnel " + door.tunnelId();
  }

  private static String pointIngress(Api api, CloudflareTunnel door, Side side) {
    Ingress ingress = readIngress(api, door);
    List<ObjectNode> toChange = side == Side.TARGET ? ingress.atSource() : ingress.atTarget();
    String service = side == Side.TARGET ? door.targetService() : door.sourceService();
    if (toChange.isEmpty()) {
      return door.hostname() + " already reaches " + service + "; nothing changed";
    }
    // The rule objects are part of the configuration just read: only their service value is replaced.
    toChange.forEach(rule -> rule.put("service", service));
    ObjectNode body = JSON.createObjectNode().set("config", ingress.config());
    api.call("PUT", configurationsUrl(api, door), body, "Account > Cloudflare Tunnel > Edit");
    return door.hostname() + " now reaches " + service + " (" + toChange.size() + " ingress rule"
        + (toChange.size() == 1 ? "" : "s") + " changed in tunnel " + door.tunnelId() + ")";
  }

  private static HttpUrl configurationsUrl(Api api, CloudflareTunnel door) {
    return api.url("accounts", door.accountId(), "cfd_tunnel", door.tunnelId(), "configurations");
  }

  // ---- dns mode: the content of the hostname's proxied CNAME ----

  private record Cname(String id, String content, boolean proxied) {}

  private static Cname readCname(Api api, CloudflareTunnel door) {
    HttpUrl url = api.url("zones", door.zoneId(), "dns_records").newBuilder()
        .addQueryParameter("type", "CNAME")
        .addQueryParameter("name", door.hostname())
        .build();
    JsonNode records = api.call("GET", url, null, "Zone > DNS > Read");
    if (!records.isArray() || records.size() != 1) {
      throw CutoverFailure.INVALID_PLAN.failure("zone " + door.zoneId() + " has " + records.size()
          + " CNAME records named " + door.hostname() + "; expected exactly one");
    }
    JsonNode record = records.get(0);
    return new Cname(record.path("id").asText(), record.path("content").asText(), record.path("proxied").asBoolean());
  }

  private static String tunnelHost(String tunnelId) {
    return tunnelId + ".cfargotunnel.com";
  }

  private static boolean pointsAt(Cname record, String tunnelId) {
    return record.content().replaceAll("\\.$", "").equalsIgnoreCase(tunnelHost(tunnelId));
  }

  private static String dnsState(Api api, CloudflareTunnel door) {
    Cname record = readCname(api, door);
    if (!record.proxied()) {
      throw CutoverFailure.INVALID_PLAN.failure("the CNAME " + door.hostname() + " is not proxied: a tunnel"
          + " hostname only works through Cloudflare's proxy");
    }
    if (pointsAt(record, door.sourceTunnelId())) {
      return door.hostname() + " points at the source tunnel " + door.sourceTunnelId();
    }
    if (pointsAt(record, door.targetTunnelId())) {
      return door.hostname() + " points at the target tunnel " + door.targetTunnelId();
    }
    throw CutoverFailure.INVALID_PLAN.failure("the CNAME " + door.hostname() + " points at " + record.content()
        + ", neither the source nor the target tunnel of the plan");
  }

  private static String pointDns(Api api, CloudflareTunnel door, Side side) {
    Cname record = readCname(api, door);
    String tunnel = side == Side.TARGET ? door.targetTunnelId() : door.sourceTunnelId();
    if (pointsAt(record, tunnel)) {
      return door.hostname() + " already points at " + tunnelHost(tunnel) + "; nothing changed";
    }
    // PATCH with the content alone: proxied, TTL, comment and tags stay as the operator set them.
    ObjectNode body = JSON.createObjectNode().put("content", tunnelHost(tunnel));
    api.call("PATCH", api.url("zones", door.zoneId(), "dns_records", record.id()), body, "Zone > DNS > Edit");
    return door.hostname() + " now points at " + tunnelHost(tunnel) + " (was " + record.content() + ")";
  }

  // ---- the token and the API envelope ----

  private String token(CloudflareTunnel door) {
    String token;
    if (door.tokenEnv() != null) {
      token = environment.apply(door.tokenEnv());
      if (token == null || token.isBlank()) {
        throw CutoverFailure.SECRET_MISSING.failure(
            "the environment variable " + door.tokenEnv() + " (frontDoor.tokenEnv) is not set on this worker");
      }
    } else {
      try {
        token = Files.readString(Path.of(door.tokenFile()), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw CutoverFailure.SECRET_MISSING.failure("cannot read the token file " + door.tokenFile()
            + " (frontDoor.tokenFile) on this worker: " + e.getClass().getSimpleName());
      }
      if (token.isBlank()) {
        throw CutoverFailure.SECRET_MISSING.failure("the token file " + door.tokenFile() + " is empty");
      }
    }
    return token.strip();
  }

  /** One door's view of the API: base URL and token. Every message it builds is scrubbed of the token. */
  private final class Api {
    private final HttpUrl base;
    private final String token;
    private final String accountId;

    Api(CloudflareTunnel door, String token) {
      HttpUrl parsed = HttpUrl.parse(door.apiBaseUrl().toString());
      if (parsed == null) {
        throw CutoverFailure.INVALID_PLAN.failure("frontDoor.apiBaseUrl is not an http(s) URL");
      }
      this.base = parsed;
      this.token = token;
      this.accountId = door.accountId();
    }

    HttpUrl url(String... segments) {
      HttpUrl.Builder builder = base.newBuilder();
      for (String segment : segments) {
        builder.addPathSegment(segment); // encodes: plan values never change the path's shape
      }
      return builder.build();
    }

    /** User tokens verify at /user, account-owned tokens at the account; either one proves the token. */
    String verifyToken() {
      JsonNode result;
      try {
        result = call("GET", url("user", "tokens", "verify"), null, "a valid, active API token");
      } catch (ApplicationFailure e) {
        if (!CutoverFailure.AUTH_REJECTED.name().equals(e.getType())) {
          throw e;
        }
        result = call("GET", url("accounts", accountId, "tokens", "verify"), null, "a valid, active API token");
      }
      String status = result.path("status").asText("unknown");
      if (!status.equals("active")) {
        throw CutoverFailure.AUTH_REJECTED.failure("the Cloudflare API token is " + status + ", not active");
      }
      return "API token active";
    }

    /** Sends one request and returns the envelope's {@code result}, or throws the matching failure. */
    JsonNode call(String method, HttpUrl url, JsonNode body, String permission) {
      Request.Builder request = new Request.Builder()
          .url(url)
          .header("Authorization", "Bearer " + token)
          .header("Accept", "application/json");
      request.method(method, body == null ? null : RequestBody.create(write(body), JSON_TYPE));
      String what = method + " " + url.encodedPath();
      try (Response response = PooledCalls.execute(http, request.build())) {
        String text = response.body() == null ? "" : response.body().string();
        int code = response.code();
        if (code == 401 || code == 403) {
          throw CutoverFailure.AUTH_REJECTED.failure(scrub("Cloudflare rejected the API token (HTTP " + code
              + ") for " + what + ": it likely lacks the permission " + permission + errors(text)));
        }
        if (code == 429) {
          Duration wait = retryAfter(response.header("Retry-After"));
          throw ApplicationFailure.newBuilder()
              .setType(CutoverFailure.FRONT_DOOR_FAILED.name())
              .setMessage(scrub("Cloudflare rate-limited " + what + "; retrying after " + wait.toSeconds() + " s"))
              .setNextRetryDelay(wait)
              .build();
        }
        if (code >= 500) {
          throw CutoverFailure.FRONT_DOOR_FAILED.failure(
              scrub("Cloudflare answered HTTP " + code + " to " + what + errors(text)));
        }
        JsonNode envelope = parse(text);
        if (code == 404) {
          throw CutoverFailure.INVALID_PLAN.failure(
              scrub("Cloudflare does not know " + what + " (HTTP 404): check the ids in frontDoor" + errors(text)));
        }
        if (code >= 300 || envelope == null || !envelope.path("success").asBoolean(false)) {
          // A request Cloudflare refuses as it stands is refused again on retry: stop and show why.
          throw ApplicationFailure.newBuilder()
              .setType(CutoverFailure.FRONT_DOOR_FAILED.name())
              .setMessage(scrub("Cloudflare refused " + what + " (HTTP " + code + ")" + errors(text)))
              .setNonRetryable(true)
              .build();
        }
        return envelope.path("result");
      } catch (IOException e) {
        throw CutoverFailure.FRONT_DOOR_FAILED.failure(
            scrub("cannot reach the Cloudflare API for " + what + ": " + e.getClass().getSimpleName()
                + (e.getMessage() == null ? "" : " " + e.getMessage())));
      }
    }

    private String scrub(String message) {
      return message.replace(token, "<token>");
    }
  }

  private static String write(JsonNode body) {
    try {
      return JSON.writeValueAsString(body);
    } catch (IOException e) {
      throw new IllegalStateException("a JSON tree always serialises", e);
    }
  }

  private static JsonNode parse(String text) {
    try {
      return text.isBlank() ? null : JSON.readTree(text);
    } catch (IOException e) {
      return null;
    }
  }

  /** The envelope's errors as "; code: message", or nothing when the body has none. */
  private static String errors(String text) {
    JsonNode envelope = parse(text);
    if (envelope == null || !(envelope.get("errors") instanceof ArrayNode errors) || errors.isEmpty()) {
      return "";
    }
    List<String> parts = new ArrayList<>();
    errors.forEach(error -> parts.add(error.path("code").asText("?") + ": " + error.path("message").asText()));
    return "; Cloudflare says " + String.join("; ", parts);
  }

  /** Retry-After is delta-seconds or an HTTP date; anything else waits a default. */
  static Duration retryAfter(String header) {
    if (header == null || header.isBlank()) {
      return DEFAULT_RETRY_AFTER;
    }
    try {
      return Duration.ofSeconds(Math.max(1, Long.parseLong(header.trim())));
    } catch (NumberFormatException notSeconds) {
      try {
        Instant at = ZonedDateTime.parse(header.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        Duration wait = Duration.between(Instant.now(), at);
        return wait.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : wait;
      } catch (DateTimeParseException notDate) {
        return DEFAULT_RETRY_AFTER;
      }
    }
  }
}
