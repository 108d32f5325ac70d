package dev.cutover.plan;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * One server: its database, how to run commands on it, the services that write to the database, and what
 * preflight inspects on it (config keys, artifact architecture, disk room, pending migrations, next job).
 */
public record Box(
    @JsonProperty(required = true) String name,
    @JsonProperty(required = true) Database database,
    Host host,
    Service app,
    List<NamedService> writers,
    List<NamedService> jobs,
    ConfigFile config,
    Artifact artifact,
    Disk disk,
    Migrations migrations,
    NextJob nextJob,
    Boolean overwrite) {

  public Box {
    host = host == null ? Host.LOCAL : host;
    app = app == null ? Service.NONE : app;
    writers = writers == null ? List.of() : List.copyOf(writers);
    jobs = jobs == null ? List.of() : List.copyOf(jobs);
    overwrite = overwrite != null && overwrite;
  }
}
