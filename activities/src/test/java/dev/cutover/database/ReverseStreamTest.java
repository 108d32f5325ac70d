package dev.cutover.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.database.CopyActivities.ReverseClosed;
import dev.cutover.database.CopyActivities.ReverseRequest;
import dev.cutover.database.CopyActivities.ReverseStarted;
import dev.cutover.database.CopyActivities.ReverseState;
import dev.cutover.database.DatabaseActivities.FenceRequest;
import dev.cutover.plan.Copy;
import dev.cutover.plan.Database;
import dev.cutover.testing.LocalCluster;
import dev.cutover.testing.PostgresClusters;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The reverse stream on two real clusters, as a move leaves them at its switch: arm live, home the fenced
 * fallback with the same rows. What arm takes reaches home, a commit on home that did not come from the stream
 * is seen once, and closing (also after a worker died half way through it) leaves nothing on either side.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ReverseStreamTest {

  @RegisterExtension static final PostgresClusters clusters = new PostgresClusters();

  private static final Copy KEEPING = new Copy(Copy.Strategy.LOGICAL, 1, Copy.Owner.TARGET_USER, true,
      java.time.Duration.ofHours(1));
  private static final String SCHEMA = "CREATE TABLE t (id int PRIMARY KEY, v text);"
      + " CREATE TABLE k (v text);"
      + " INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 1000) g;"
      + " INSERT INTO k SELECT 'k' || g FROM generate_series(1, 100) g";

  private final CopyActivitiesImpl copies = new CopyActivitiesImpl();

  @Test
  void armsWritesReachTheFencedFallbackAStrayCommitIsSeenOnceAndClosingLeavesNothing() throws Exception {
    Database live = clusters.arm().createDatabase("rev", c -> execute(c, SCHEMA));
    Database fallback = clusters.home().createDatabase("rev", c -> execute(c, SCHEMA));
    new DatabaseActivitiesImpl().fence(new FenceRequest("rev", "home", fallback));
    ReverseRequest r = new ReverseRequest("rev", "move-1", "arm", live, "home", fallback, KEEPING);

    ReverseStarted started = copies.startReverse(r);
    assertFalse(started.reused());
    assertEquals(List.of("public.k"), started.identityFull());
    assertEquals("f", query(clusters.arm(), "SELECT relreplident::text FROM pg_class WHERE relname = 'k'"));
    assertTrue(copies.startReverse(r).reused(), "a retry keeps what the first attempt made");

    try (Connection c = clusters.arm().connect("rev"); Statement s = c.createStatement()) {
      s.execute("INSERT INTO t SELECT g, 'new' FROM generate_series(1001, 1500) g");
      s.execute("UPDATE t SET v = 'changed' WHERE id <= 100");
      s.execute("DELETE FROM t WHERE id BETWEEN 200 AND 249");
      s.execute("UPDATE k SET v = 'kk' WHERE v = 'k7'");
      s.execute("DELETE FROM k WHERE v = 'k8'");
    }
    String content = "SELECT count(*) || ':' || sum(hashtext(t::text)) FROM t";
    String keyless = "SELECT count(*) || ':' || sum(hashtext(v)) FROM k";
    long deadline = System.currentTimeMillis() + 30_000;
    while (!query(clusters.home(), content).equals(query(clusters.arm(), content))
        || !query(clusters.home(), keyless).equals(query(clusters.arm(), keyless))) {
      assertTrue(System.currentTimeMillis() < deadline, "arm's writes never reached home");
      Thread.sleep(50);
    }
    assertEquals("1450", query(clusters.home(), "SELECT count(*) FROM t"));
    assertEquals("on", query(clusters.home(), "SHOW default_transaction_read_only"), "home stays fenced");

    ReverseState state = copies.watchReverse(r);
    assertTrue(state.streaming(), state.toString());
    assertEquals(0, state.strayWrites(), "what the stream applied is not a second writer: " + state);
    assertTrue(state.bytesBehind() != null, state.toString());

    try (Connection c = clusters.home().connect("rev"); Statement s = c.createStatement()) {
      s.execute("SET default_transaction_read_only = off");
      s.execute("INSERT INTO t VALUES (900000, 'stray')");
    }
    // Decoding reads up to the flushed WAL: with asynchronous commit the stray commit may show in a later look.
    ReverseState alarmed = copies.watchReverse(r);
    deadline = System.currentTimeMillis() + 10_000;
    while (alarmed.strayWrites() == 0 && System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
      alarmed = copies.watchReverse(r);
    }
    assertEquals(1, alarmed.strayWrites(), alarmed.toString());
    assertTrue(alarmed.straySample().get(0).matches("xid \\d+: INSERT public\\.t"), alarmed.straySample().toString());
    assertEquals(0, copies.watchReverse(r).strayWrites(), "each stray commit is reported once");

    // A worker that died inside close after its first step: the subscription (and with it arm's slot) is gone,
    // the watch slot and the publication are not. Closing again finishes the job.
    try (Connection c = clusters.home().connect("rev"); Statement s = c.createStatement()) {
      s.execute("SET default_transaction_read_only = off");
      s.execute("ALTER SUBSCRIPTION cutover_rev DISABLE");
      s.execute("DROP SUBSCRIPTION cutover_rev");
    }
    ReverseState broken = copies.watchReverse(r);
    assertEquals("no subscription cutover_rev on home", broken.broken());
    ReverseClosed closed = copies.closeReverse(r);
    assertTrue(closed.existed(), closed.toString());
    assertEquals(List.of("watch slot on home", "publication cutover_rev on arm"), closed.dropped());
    assertEquals("0", query(clusters.arm(), "SELECT count(*) FROM pg_replication_slots"));
    assertEquals("0", query(clusters.arm(), "SELECT count(*) FROM pg_publication"));
    assertEquals("0", query(clusters.home(), "SELECT count(*) FROM pg_replication_slots"));
    assertEquals("0", query(clusters.home(), "SELECT count(*) FROM pg_subscription"));
    assertEquals("d", query(clusters.arm(), "SELECT relreplident::text FROM pg_class WHERE relname = 'k'"),
        "arm's keyless table has its identity back");
    assertFalse(copies.closeReverse(r).existed(), "a second close finds nothing");
    assertFalse(copies.watchReverse(r).exists(), "a closed stream is gone");
  }

  private static void execute(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  private static String query(LocalCluster cluster, String sql) throws SQLException {
    try (Connection c = cluster.connect("rev"); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
