package dev.cutover.plan;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/** What the public address points at, and how to point it at the target. Chosen by {@code type}. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = FrontDoor.CloudflareTunnel.class, name = "cloudflare-tunnel"),
  @JsonSubTypes.Type(value = FrontDoor.Caddy.class, name = "caddy"),
  @JsonSubTypes.Type(value = FrontDoor.Command.class, name = "command")
})
public sealed interface FrontDoor {

  /** The name used in the plan's {@code type} key. */
  String type();

  /**
   * Repoints one public hostname at the target, touching nothing else the tunnel or the zone carries.
   * {@code mode} says where the hostname is bound: {@code ingress}, the hostname is a rule in one tunnel's
   * remotely managed configuration and its service changes from {@code sourceService} to
   * {@code targetService}; {@code dns}, each box has its own tunnel and the hostname's proxied CNAME moves
   * from {@code sourceTunnelId} to {@code targetTunnelId}. Both sides are named in the plan so that
   * pointing back restores exactly what was there, without the activity keeping state. {@code apiBaseUrl}
   * lets tests and the demo use a local stand-in.
   */
  record CloudflareTunnel(
      @JsonProperty(required = true) String accountId,
      @JsonProperty(required = true) String hostname,
      Mode mode,
      String tunnelId,
      String sourceService,
      String targetService,
      String zoneId,
      String sourceTunnelId,
      String targetTunnelId,
      String tokenEnv,
      String tokenFile,
      URI apiBaseUrl)
      implements FrontDoor {

    public static final URI CLOUDFLARE_API = URI.create("https://api.cloudflare.com/client/v4");

    public CloudflareTunnel {
      mode = mode == null ? Mode.INGRESS : mode;
      apiBaseUrl = apiBaseUrl == null ? CLOUDFLARE_API : apiBaseUrl;
    }

    @Override
    public String type() {
      return "cloudflare-tunnel";
    }

    public enum Mode {
      @JsonProperty("ingress")
      INGRESS,
      @JsonProperty("dns")
      DNS
    }
  }

  /**
   * A Caddy reverse proxy on the source box, driven through its admin API. {@code routeId} is the
   * {@code @id} of the route that serves the app; cutover only ever inserts and removes its own handler at
   * the head of that route, so the rest of the configuration is never rewritten. The handler forwards to
   * {@code targetUpstream} and keeps retrying a refused connection for up to {@code holdFor}: requests
   * wait during the freeze and flow the moment the target starts accepting. {@code maxConnections}, when
   * set, caps Caddy's connections to the target (its HTTP transport's {@code max_conns_per_host}): the
   * requests held through the freeze then reach the target that many at a time instead of all at once.
   * {@code sourceUpstream} is the source app as Caddy dials it, for a rollback's hold on the way back;
   * when absent it is read from the route's own {@code reverse_proxy} handler.
   */
  record Caddy(
      @JsonProperty(required = true) URI adminUrl,
      @JsonProperty(required = true) String targetUpstream,
      @JsonProperty(required = true) String routeId,
      Duration holdFor,
      Integer maxConnections,
      String sourceUpstream)
      implements FrontDoor {

    public Caddy {
      holdFor = holdFor == null ? Duration.ofSeconds(30) : holdFor;
    }

    @Override
    public String type() {
      return "caddy";
    }
  }

  /** Any other front door: a command that points it at the target, and one that points it back. */
  record Command(
      @JsonProperty(value = "switch", required = true) List<String> switchCommand,
      @JsonProperty(required = true) List<String> revert)
      implements FrontDoor {
    public Command {
      switchCommand = List.copyOf(switchCommand);
      revert = List.copyOf(revert);
    }

    @Override
    public String type() {
      return "command";
    }
  }
}
