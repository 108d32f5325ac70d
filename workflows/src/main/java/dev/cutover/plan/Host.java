package dev.cutover.plan;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How commands reach a box: on the worker's own machine, over ssh, or on a worker polling the box's queue. */
public record Host(@JsonProperty(required = true) Exec exec, String target, String taskQueue) {

  public static final Host LOCAL = new Host(Exec.LOCAL, null, null);

  public enum Exec {
    @JsonProperty("local")
    LOCAL,
    @JsonProperty("ssh")
    SSH,
    @JsonProperty("worker")
    WORKER
  }
}
