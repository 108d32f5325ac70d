package dev.cutover.worker;

import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.stereotype.Component;

/** {@code /actuator/health} is down when the Temporal frontend does not answer within two seconds. */
@Component("temporal")
public class TemporalHealthIndicator implements HealthIndicator {

  private final WorkflowServiceStubs stubs;

  public TemporalHealthIndicator(WorkflowServiceStubs stubs) {
    this.stubs = stubs;
  }

  /** An in-process channel (tests) has no target address. */
  private String target() {
    String target = stubs.getOptions().getTarget();
    return target == null ? "in-process" : target;
  }

  @Override
  public Health health() {
    try {
      var info = stubs.blockingStub()
          .withDeadlineAfter(2, TimeUnit.SECONDS)
          .getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
      return Health.up()
          .withDetail("target", target())
          .withDetail("serverVersion", info.getServerVersion().isEmpty() ? "embedded" : info.getServerVersion())
          .build();
    } catch (RuntimeException e) {
      return Health.down().withDetail("target", target()).withDetail("error", String.valueOf(e.getMessage())).build();
    }
  }
}
