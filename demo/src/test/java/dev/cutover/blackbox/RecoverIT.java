package dev.cutover.blackbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.blackbox.Shipped.Result;
import dev.cutover.database.DatabaseActivities.InspectRequest;
import dev.cutover.database.DatabaseActivities.JournalRequest;
import dev.cutover.database.DatabaseActivitiesImpl;
import dev.cutover.database.MoveJournal;
import dev.cutover.plan.Database;
import dev.cutover.testing.LocalCluster;
import dev.cutover.testing.PostgresClusters;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * `cutover recover` as a shell runs it, against a dev-server and a worker of its own: a journal left by a
 * lost move is undone and cleared, a second call finds nothing, contradicting choices are a usage error.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class RecoverIT {

  @RegisterExtension static final PostgresClusters clusters = new PostgresClusters();
  private static final Duration CALL = Duration.ofMinutes(2);

  @TempDir Path dir;

  @Test
  void aLostMovesJournalIsUndoneOnceThenThereIsNothingToRecover() throws Exception {
    LocalCluster home = clusters.start("home");
    LocalCluster arm = clusters.start("arm");
    home.createDatabase("game");
    Database source = new Database(home.jdbcUrl("game"), LocalCluster.SUPERUSER, null, null);
    DatabaseActivitiesImpl databases = new DatabaseActivitiesImpl();
    // What a move lost at its confirm gate leaves on the source: the journal of its prepare step.
    databases.record(new JournalRequest("home", source, new MoveJournal("game", "lost-1", MoveJournal.PREPARE, false,
        "home", "arm", List.of("app"), "home", 1)));
    Path plan = Plans.minimal(dir.resolve("plan.yaml"), home.jdbcUrl("game"), arm.jdbcUrl("game"),
        LocalCluster.SUPERUSER);

    Result both = Shipped.run(Shipped.env(null), CALL, "recover", plan.toString(), "--finish", "--rollback");
    assertEquals(2, both.exitCode(), both.toString());
    assertTrue(both.err().contains("mutually exclusive"), both.toString());

    try (Services services = Services.start()) {
      Result undone = Shipped.run(services.env(), CALL, "recover", plan.toString(), "--wait");
      assertEquals(3, undone.exitCode(), undone.toString());
      assertTrue(undone.out().contains("started the recovery of game"), undone.toString());
      assertTrue(undone.out().contains("recovered the lost move lost-1 by rolling it back"), undone.toString());
      assertNull(databases.inspect(new InspectRequest("home", source)).journal(), "the journal is cleared");
      assertFalse(databases.inspect(new InspectRequest("home", source)).fenced());

      Result again = Shipped.run(services.env(), CALL, "recover", plan.toString(), "--wait");
      assertEquals(3, again.exitCode(), again.toString());
      assertTrue(again.out().contains("nothing to recover"), again.toString());
    }
  }
}
