package dev.cutover.plan;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** A writer that bypasses the app, or a background job: named, so status and reports can say which. */
public record NamedService(
    @JsonProperty(required = true) String name, List<String> stop, List<String> start, ServiceCheck check) {

  public NamedService {
    stop = stop == null ? List.of() : List.copyOf(stop);
    start = start == null ? List.of() : List.copyOf(start);
  }

  public Service service() {
    return new Service(stop, start, check);
  }
}
