package dev.cutover.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.grpc.Status;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/** Pollers' reports of an unreachable service collapse into one line; their other failures stay. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class TemporalOutageLogTest {

  private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
  private final ListAppender<ILoggingEvent> appended = new ListAppender<>();
  private WorkflowServiceStubs stubs;
  private TemporalOutageLog outageLog;

  @BeforeEach
  void setUp() {
    appended.setContext(context);
    appended.start();
    context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(appended);
    // Nothing listens on port 1: the stubs connect lazily, and a check would find the service down.
    stubs = WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder().setTarget("127.0.0.1:1").build());
    outageLog = new TemporalOutageLog(stubs);
  }

  @AfterEach
  void tearDown() {
    outageLog.destroy();
    stubs.shutdownNow();
    context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).detachAppender(appended);
  }

  @Test
  void aThousandUnreachablePollsLogOneLineAndOtherFailuresStillShow() {
    Logger poller = context.getLogger("io.temporal.internal.worker.BasePoller");
    RuntimeException unreachable = Status.UNAVAILABLE.withDescription("io exception").asRuntimeException();
    for (int i = 0; i < 1000; i++) {
      poller.warn("Failure in poller thread {}", "Workflow Poller", unreachable);
    }
    poller.warn("Failure in poller thread {}", "Activity Poller", new IllegalStateException("a real bug"));

    List<String> lines = appended.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    assertEquals(2, lines.size(), lines.toString());
    assertTrue(lines.get(0).startsWith("Temporal at 127.0.0.1:1 stopped answering"), lines.get(0));
    assertEquals("Failure in poller thread Activity Poller", lines.get(1));
    assertEquals(1000, outageLog.droppedPolls());
  }
}
