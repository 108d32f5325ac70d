package dev.cutover.plan;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * How commands reach a box: on the worker's own machine, over ssh, or on a worker polling the box's queue.
 * The ssh keys name files on the worker's machine; host keys are always checked, against
 * {@code knownHostsFile} when given, else the worker user's own known_hosts.
 */
public record Host(
    @JsonProperty(required = true) Exec exec,
    String target,
    String taskQueue,
    String identityFile,
    Integer port,
    String knownHostsFile) {

  public static final Host LOCAL = new Host(Exec.LOCAL, null, null, null, null, null);

  public static Host ssh(String target) {
    return new Host(Exec.SSH, target, null, null, null, null);
  }

  public static Host worker(String taskQueue) {
    return new Host(Exec.WORKER, null, taskQueue, null, null, null);
  }

  public enum Exec {
    @JsonProperty("local")
    LOCAL,
    @JsonProperty("ssh")
    SSH,
    @JsonProperty("worker")
    WORKER
  }
}
