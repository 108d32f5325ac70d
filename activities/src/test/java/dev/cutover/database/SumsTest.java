package dev.cutover.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.plan.TableSelection;
import dev.cutover.plan.Verify;
import dev.cutover.testing.LocalCluster;
import dev.cutover.testing.SharedClusters;
import dev.cutover.verify.DatabaseFingerprint;
import dev.cutover.verify.FingerprintActivities.FingerprintRequest;
import io.temporal.failure.ApplicationFailure;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** verify.sums: exact on every run, floats included; a column that has no sum is refused by name. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SumsTest {

  @RegisterExtension static final SharedClusters clusters = new SharedClusters();

  private static LocalCluster cluster;
  private final FingerprintActivitiesImpl fingerprints = new FingerprintActivitiesImpl();

  @BeforeAll
  static void floats() throws SQLException {
    cluster = clusters.home();
    cluster.createDatabase("sums");
    try (Connection c = cluster.connect("sums"); Statement s = c.createStatement()) {
      // Magnitudes 1e-3 to 1e15 and both signs: a float sum of these depends on the order of addition.
      s.execute("CREATE TABLE readings (id int PRIMARY KEY, v double precision, r real, n bigint, note text)");
      s.execute("INSERT INTO readings SELECT g, (random() - 0.5) * 10 ^ (g % 19 - 3), (random() - 0.5) * 10 ^ (g % 9),"
          + " g::bigint * 1000003, 'x' FROM generate_series(1, 400000) g");
      s.execute("ALTER TABLE readings SET (parallel_workers = 2)");
      // Every sum a parallel aggregate, whose partial sums arrive in whichever order the workers finish.
      s.execute("ALTER DATABASE sums SET parallel_setup_cost = 0");
      s.execute("ALTER DATABASE sums SET parallel_tuple_cost = 0");
      s.execute("ALTER DATABASE sums SET min_parallel_table_scan_size = 0");
      s.execute("ANALYZE readings");
    }
  }

  @Test
  void aFloatColumnIsSummedExactlyAndTheSameOnEveryRun() throws SQLException {
    Verify verify = new Verify(TableSelection.ALL, Map.of("readings", List.of("v", "r", "n")));
    BigDecimal v = BigDecimal.ZERO;
    BigDecimal r = BigDecimal.ZERO;
    try (Connection c = cluster.connect("sums"); Statement s = c.createStatement()) {
      s.execute("SET extra_float_digits = 3");
      try (ResultSet rs = s.executeQuery("SELECT v::text, r::text FROM readings")) {
        while (rs.next()) {
          v = v.add(new BigDecimal(rs.getString(1)));
          r = r.add(new BigDecimal(rs.getString(2)));
        }
      }
    }
    for (int i = 0; i < 3; i++) {
      DatabaseFingerprint f = fingerprints.fingerprint(new FingerprintRequest("home", cluster.database("sums"), verify));
      Map<String, String> sums = f.tables().get(0).sums();
      assertEquals(0, v.compareTo(new BigDecimal(sums.get("v"))), "run " + i + ": " + sums.get("v") + " != " + v);
      assertEquals(0, r.compareTo(new BigDecimal(sums.get("r"))), "run " + i + ": " + sums.get("r") + " != " + r);
      assertEquals(String.valueOf(1000003L * 400000 * 400001 / 2), sums.get("n"));
    }
  }

  @Test
  void aColumnWithoutAnExactSumIsRefusedByItsPlanPath() {
    Verify verify = new Verify(TableSelection.ALL, Map.of("readings", List.of("note")));
    ApplicationFailure e = assertThrows(ApplicationFailure.class,
        () -> fingerprints.fingerprint(new FingerprintRequest("home", cluster.database("sums"), verify)));
    assertTrue(e.getOriginalMessage().contains("verify.sums.public.readings: column note is text"), e.getMessage());
    assertEquals("INVALID_PLAN", e.getType());
    assertTrue(e.isNonRetryable());
  }
}
