package dev.cutover.database;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.database.CopyActivities.CopyRequest;
import dev.cutover.database.CopyActivities.CopyResult;
import dev.cutover.database.DatabaseActivities.FenceRequest;
import dev.cutover.verify.FingerprintActivities.FingerprintRequest;
import dev.cutover.database.CopyActivities.LogicalCaughtUp;
import dev.cutover.database.CopyActivities.LogicalRequest;
import dev.cutover.database.CopyActivities.LogicalWaitRequest;
import dev.cutover.plan.Copy;
import dev.cutover.plan.Database;
import dev.cutover.plan.Verify;
import dev.cutover.testing.LiveWriter;
import dev.cutover.testing.LocalCluster;
import dev.cutover.testing.LogicalGame;
import dev.cutover.testing.PostgresClusters;
import dev.cutover.verify.Comparisons;
import dev.cutover.verify.TableComparison;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Logical against dump-restore on one ~200 MB database, both clusters on this machine. Minutes long, so
 * only on request: {@code -Dcutover.bench=true}. Prints the numbers; fails only if the copy is wrong.
 */
@EnabledIfSystemProperty(named = "cutover.bench", matches = "true")
@Timeout(value = 20, unit = TimeUnit.MINUTES)
class LogicalBenchmarkTest {

  @RegisterExtension static final PostgresClusters clusters = new PostgresClusters();

  @Test
  void logicalBlackoutAgainstDumpRestore() throws Exception {
    LocalCluster home = clusters.start("home");
    LocalCluster arm = clusters.start("arm");
    int players = Integer.getInteger("cutover.bench.players", 650_000);
    home.createDatabase("bench");
    long size;
    try (Connection c = home.connect("bench"); Statement s = c.createStatement()) {
      LogicalGame.create(c, players, 256);
      s.execute("VACUUM ANALYZE");
      try (ResultSet rs = s.executeQuery("SELECT pg_database_size(current_database())")) {
        rs.next();
        size = rs.getLong(1);
      }
    }
    DatabaseActivitiesImpl activities = new DatabaseActivitiesImpl();
    CopyActivitiesImpl copies = new CopyActivitiesImpl();
    FingerprintActivitiesImpl fingerprints = new FingerprintActivitiesImpl();
    Database source = home.database("bench");

    CopyResult dumped = copies.copy(new CopyRequest("game", "bench-dr", "home", source, "arm", arm.database("bench_dr"),
        new Copy(Copy.Strategy.DUMP_RESTORE, 2, Copy.Owner.TARGET_USER)));

    Database target = arm.database("bench_lr");
    LogicalRequest request = new LogicalRequest("game", "bench-lr", "home", source, "arm", target,
        new Copy(Copy.Strategy.LOGICAL, 1, Copy.Owner.TARGET_USER, true));
    long presyncStarted = System.nanoTime();
    long initialCopy;
    LogicalCaughtUp caught;
    long fenceMillis;
    try (LiveWriter writer = LiveWriter.start(home, "bench")) {
      copies.startLogical(request);
      copies.awaitInitialCopy(new LogicalWaitRequest(request, Duration.ofMinutes(10)));
      initialCopy = (System.nanoTime() - presyncStarted) / 1_000_000;
      assertTrue(writer.awaitMore(500, Duration.ofMinutes(1)), "the app writes on after the initial copy");
      long fenceStarted = System.nanoTime();
      activities.fence(new FenceRequest("game", "home", source));
      fenceMillis = (System.nanoTime() - fenceStarted) / 1_000_000;
      caught = copies.catchUp(new LogicalWaitRequest(request, Duration.ofMinutes(5)));
      writer.awaitEnd(Duration.ofSeconds(30));
    }
    List<TableComparison> compared = Comparisons.compare(
        fingerprints.fingerprint(new FingerprintRequest("home", source, Verify.ALL)),
        fingerprints.fingerprint(new FingerprintRequest("arm", target, Verify.ALL)));
    assertTrue(Comparisons.allMatch(compared), compared.toString());

    System.out.printf("%nBENCH database %d MB%n", size >> 20);
    System.out.printf("BENCH dump-restore (2 jobs) copy: %d ms (dump %d ms)%n", dumped.totalMillis(), dumped.dumpMillis());
    System.out.printf("BENCH logical pre-sync to initial copy done: %d ms%n", initialCopy);
    System.out.printf("BENCH logical fence: %d ms; catch-up: %d ms (wait %d ms, %d sequences, %d large objects)%n",
        fenceMillis, caught.totalMillis(), caught.waitMillis(), caught.sequences(), caught.largeObjects());
  }
}
