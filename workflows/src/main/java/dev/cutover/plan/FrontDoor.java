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
   * Repoints one public hostname of a Cloudflare Tunnel setup at the target's tunnel, touching no other
   * hostname the tunnel carries. {@code apiBaseUrl} lets tests and the demo use a local stand-in.
   */
  record CloudflareTunnel(
      @JsonProperty(required = true) String accountId,
      @JsonProperty(required = true) String tunnelId,
      @JsonProperty(required = true) String hostname,
      String tokenEnv,
      String tokenFile,
      String zoneId,
      String targetService,
      URI apiBaseUrl)
      implements FrontDoor {
    @Override
    public String type() {
      return "cloudflare-tunnel";
    }
  }

  /**
   * A Caddy reverse proxy on the source box, driven through its admin API: it holds requests during the
   * freeze and then forwards them to the target, so address propagation stops mattering.
   */
  record Caddy(
      @JsonProperty(required = true) URI adminUrl,
      @JsonProperty(required = true) String targetUpstream,
      String routeId,
      Duration holdFor)
      implements FrontDoor {
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
