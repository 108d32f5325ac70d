package dev.cutover.plan;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** One server: its database, how to run commands on it, and the services that write to the database. */
public record Box(
    @JsonProperty(required = true) String name,
    @JsonProperty(required = true) Database database,
    Host host,
    Service app,
    List<NamedService> writers,
    List<NamedService> jobs,
    ConfigFile config) {

  public Box {
    host = host == null ? Host.LOCAL : host;
    app = app == null ? Service.NONE : app;
    writers = writers == null ? List.of() : List.copyOf(writers);
    jobs = jobs == null ? List.of() : List.copyOf(jobs);
  }
}
