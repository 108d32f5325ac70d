package dev.cutover.plan;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * How to ask the app whether schema migrations are waiting: a command run on the box that prints nothing
 * and exits 0 when none are. A move copies the schema as it is; pending changes belong before the move.
 */
public record Migrations(@JsonProperty(required = true) List<String> pendingCommand) {

  public Migrations {
    pendingCommand = pendingCommand == null ? null : List.copyOf(pendingCommand);
  }
}
