package dev.cutover.plan;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.net.URI;
import java.time.Duration;
import java.util.Map;

/**
 * How verify-live knows the target is the one answering: {@code consecutive} healthy responses in a row
 * at the public URL, each carrying the headers in {@code expectHeader} and the text {@code expectBody}.
 */
public record Health(
    @JsonProperty(required = true) URI url,
    Map<String, String> expectHeader,
    String expectBody,
    Integer consecutive,
    Duration interval,
    Duration timeout) {

  public Health {
    expectHeader = expectHeader == null ? Map.of() : Map.copyOf(expectHeader);
    consecutive = consecutive == null ? 20 : consecutive;
    interval = interval == null ? Duration.ofMillis(250) : interval;
    timeout = timeout == null ? Duration.ofMinutes(2) : timeout;
  }
}
