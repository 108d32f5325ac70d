package dev.cutover.plan;

import java.net.URI;
import java.util.List;

/**
 * How to see that a service really stopped or started, rather than trusting its stop or start command:
 * a command (exit 0 = running) or a URL (HTTP 2xx = running), both run on the service's box.
 * Exactly one is given.
 */
public record ServiceCheck(List<String> command, URI url) {

  public ServiceCheck {
    command = command == null ? null : List.copyOf(command);
  }

  public static ServiceCheck command(String... argv) {
    return new ServiceCheck(List.of(argv), null);
  }

  public static ServiceCheck url(String url) {
    return new ServiceCheck(null, URI.create(url));
  }
}
