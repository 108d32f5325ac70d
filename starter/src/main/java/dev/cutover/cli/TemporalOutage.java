package dev.cutover.cli;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * Recognises "the Temporal service stopped answering" in whatever wrapper the SDK throws it
 * ({@code WorkflowServiceException}, {@code WorkflowQueryException}, a bare gRPC status), so every command
 * says the same thing and exits 5 instead of reporting an unexpected error.
 */
final class TemporalOutage {

  private static final Set<Status.Code> OUTAGE =
      EnumSet.of(Status.Code.UNAVAILABLE, Status.Code.DEADLINE_EXCEEDED);

  private TemporalOutage() {}

  /** The gRPC status that says the service is not answering, if that is what {@code e} is about. */
  static Optional<StatusRuntimeException> of(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof StatusRuntimeException s && OUTAGE.contains(s.getStatus().getCode())) {
        return Optional.of(s);
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return Optional.empty();
  }

  /** What a user reads when the service went away while a command was talking to it. */
  static CliException stoppedAnswering(String address, StatusRuntimeException cause) {
    String status = cause.getStatus().getCode()
        + (cause.getStatus().getDescription() == null ? "" : ": " + cause.getStatus().getDescription());
    return new CliException(ExitCode.TEMPORAL_UNREACHABLE,
        "Temporal at " + address + " stopped answering (" + status + ").\n"
            + "The move's state is recorded in the databases: once Temporal answers again, `cutover status APP`"
            + " shows where the move stands; if its history was lost (the embedded dev-server keeps moves in"
            + " memory only), run `cutover recover PLAN` (docs/operations.md, \"The Temporal service was lost\").",
        cause);
  }
}
