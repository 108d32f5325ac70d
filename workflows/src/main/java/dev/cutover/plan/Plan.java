package dev.cutover.plan;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One app move, as the operator wrote it in the plan file. Immutable, and safe to put in workflow
 * history: it names where each secret lives ({@code passwordEnv}, {@code tokenEnv}) and never holds one.
 */
public record Plan(
    @JsonProperty(required = true) String app,
    @JsonProperty(required = true) Box source,
    @JsonProperty(required = true) Box target,
    Settle settle,
    Copy copy,
    Verify verify,
    @JsonProperty(required = true) FrontDoor frontDoor,
    @JsonProperty(required = true) Health health,
    Confirm confirm,
    DatabaseDoor databaseDoor,
    Freeze freeze) {

  public Plan {
    settle = settle == null ? Settle.NONE : settle;
    copy = copy == null ? Copy.DEFAULT : copy;
    verify = verify == null ? Verify.ALL : verify;
    confirm = confirm == null ? Confirm.DEFAULT : confirm;
    freeze = freeze == null ? Freeze.NONE : freeze;
  }

  /** A plan without a blackout budget. */
  public Plan(String app, Box source, Box target, Settle settle, Copy copy, Verify verify, FrontDoor frontDoor,
      Health health, Confirm confirm, DatabaseDoor databaseDoor) {
    this(app, source, target, settle, copy, verify, frontDoor, health, confirm, databaseDoor, null);
  }

  /** A plan without a database door (PgBouncer in front of the database). */
  public Plan(String app, Box source, Box target, Settle settle, Copy copy, Verify verify, FrontDoor frontDoor,
      Health health, Confirm confirm) {
    this(app, source, target, settle, copy, verify, frontDoor, health, confirm, null, null);
  }

  /**
   * The same move the other way round: a rollback. Box names are the identity the health check sees
   * (DESIGN.md), so an expected header value or body that was the target's name becomes the source's.
   */
  public Plan reversed() {
    Map<String, String> headers = new LinkedHashMap<>();
    health.expectHeader().forEach((name, value) -> headers.put(name, swapName(value)));
    Health back = new Health(health.url(), headers, health.expectBody() == null ? null : swapName(health.expectBody()),
        health.consecutive(), health.interval(), health.timeout());
    return new Plan(app, target, source, settle, copy, verify, frontDoor, back, confirm, databaseDoor, freeze);
  }

  private String swapName(String value) {
    return value.equals(target.name()) ? source.name() : value;
  }

  /** Temporal workflow id of this app's move: one running move per app, enforced by the server. */
  public String workflowId() {
    return workflowIdFor(app);
  }

  public static String workflowIdFor(String app) {
    return "cutover-" + app;
  }
}
