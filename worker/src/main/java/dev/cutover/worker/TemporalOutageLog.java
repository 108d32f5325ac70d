package dev.cutover.worker;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * When the Temporal service goes away, every poller thread logs each failed poll with its stack trace
 * (about 2,800 lines in 75 s measured with the embedded service killed). The worker keeps polling, which
 * is right; the log should say so once. This watches the service and logs only the changes ("stopped
 * answering", "answers again", with how many polls failed in between), and drops the pollers' own
 * reports of an unreachable service. Any other poller failure is still logged as the SDK writes it.
 */
@Component
public class TemporalOutageLog implements DisposableBean {

  private static final Logger log = LoggerFactory.getLogger(TemporalOutageLog.class);
  private static final String POLLER_LOGGER = "io.temporal.internal.worker";
  private static final long CHECK_SECONDS = 5;

  private final WorkflowServiceStubs stubs;
  private final AtomicBoolean down = new AtomicBoolean();
  private final AtomicLong droppedPolls = new AtomicLong();
  private final ScheduledExecutorService checks = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "temporal-outage-log");
    t.setDaemon(true);
    return t;
  });
  private final PollerOutageFilter filter = new PollerOutageFilter();

  public TemporalOutageLog(WorkflowServiceStubs stubs) {
    this.stubs = stubs;
    ILoggerFactory factory = LoggerFactory.getILoggerFactory();
    if (factory instanceof LoggerContext context) {
      context.addTurboFilter(filter);
    }
    checks.scheduleWithFixedDelay(this::check, CHECK_SECONDS, CHECK_SECONDS, TimeUnit.SECONDS);
  }

  private String target() {
    String target = stubs.getOptions().getTarget();
    return target == null ? "in-process" : target;
  }

  void check() {
    try {
      stubs.blockingStub().withDeadlineAfter(2, TimeUnit.SECONDS).getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
      if (down.compareAndSet(true, false)) {
        log.warn("Temporal at {} answers again ({} failed polls were not logged one by one)", target(),
            droppedPolls.getAndSet(0));
      }
    } catch (StatusRuntimeException e) {
      if (isOutage(e)) {
        reportDown(e.getStatus().getCode().toString());
      }
    } catch (RuntimeException e) {
      log.debug("checking Temporal failed", e);
    }
  }

  private void reportDown(String why) {
    if (down.compareAndSet(false, true)) {
      log.warn("Temporal at {} stopped answering ({}); this worker keeps polling and picks its moves up again"
          + " when it answers", target(), why);
    }
  }

  static boolean isOutage(Throwable e) {
    for (Throwable c = e; c != null && c.getCause() != c; c = c.getCause()) {
      if (c instanceof StatusRuntimeException s) {
        Status.Code code = s.getStatus().getCode();
        if (code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED) {
          return true;
        }
      }
    }
    return false;
  }

  /** How many poller reports of an unreachable service were dropped since the last "answers again". */
  long droppedPolls() {
    return droppedPolls.get();
  }

  @Override
  public void destroy() {
    checks.shutdownNow();
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      context.getTurboFilterList().remove(filter);
    }
  }

  /** Drops the SDK's per-poll reports of an unreachable service; the watch above reports the outage once. */
  private final class PollerOutageFilter extends TurboFilter {
    @Override
    public FilterReply decide(Marker marker, ch.qos.logback.classic.Logger logger, Level level, String format,
        Object[] params, Throwable t) {
      // SLF4J hands a throwable logged after the message's arguments over as the last argument.
      if (t == null && params != null && params.length > 0 && params[params.length - 1] instanceof Throwable last) {
        t = last;
      }
      if (t != null && logger.getName().startsWith(POLLER_LOGGER) && isOutage(t)) {
        droppedPolls.incrementAndGet();
        reportDown(rootMessage(t));
        return FilterReply.DENY;
      }
      return FilterReply.NEUTRAL;
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable c = e;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
  }
}
