package dev.cutover.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.plan.Verify;
import dev.cutover.testing.LocalCluster;
import dev.cutover.testing.SharedClusters;
import dev.cutover.verify.Comparisons;
import dev.cutover.verify.DatabaseFingerprint;
import dev.cutover.verify.TableComparison;
import dev.cutover.verify.TableFingerprint;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A big table read as two key ranges on two connections gives exactly the chunks and hash one connection
 * gives reading it whole, and a row missing or doubled in the upper range is still seen.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class FingerprintSplitTest {

  @RegisterExtension static final SharedClusters clusters = new SharedClusters();

  // Small chunks, so tables of a few thousand rows are split and have hundreds of chunks.
  private static final Fingerprinter.Options OPTIONS = new Fingerprinter.Options(8);

  private static LocalCluster cluster;
  private static int run;

  @BeforeAll
  static void startCluster() {
    cluster = clusters.home();
  }

  /**
   * A keyed table, a composite text key, and a table without a key holding duplicate rows, each more than a
   * quarter of the data (so each is split), and a small one.
   */
  private String database() throws SQLException {
    String name = emptyDatabase();
    execute(name, "CREATE TABLE big (id bigint PRIMARY KEY, v text, at timestamptz)");
    execute(name, "INSERT INTO big SELECT g, md5(g::text), '2026-06-11 18:00+00'::timestamptz + g * interval '1 s'"
        + " FROM generate_series(1, 12000) g");
    execute(name, "CREATE TABLE pairs (code text, n int, v text, PRIMARY KEY (code, n))");
    execute(name, "INSERT INTO pairs SELECT 'k' || (g % 3000), g, 'v' || g FROM generate_series(1, 12000) g");
    execute(name, "CREATE TABLE loose (note text, n text)");
    execute(name, "INSERT INTO loose SELECT 'note ' || (g % 3000), g % 3 || repeat('x', 20) FROM generate_series(1, 12000) g");
    execute(name, "CREATE TABLE small (id int PRIMARY KEY)");
    execute(name, "INSERT INTO small SELECT generate_series(1, 10)");
    // The split point comes from the planner's statistics.
    execute(name, "ANALYZE");
    return name;
  }

  private static String emptyDatabase() {
    String name = "split" + ++run;
    cluster.createDatabase(name);
    return name;
  }

  @Test
  void everyBigTableIsSplitAndHashesAsOneConnectionWould() throws SQLException {
    String name = database();
    try (Connection c = cluster.connect(name)) {
      Snapshots.snapshot(c);
      List<Table> tables = Catalog.tables(c);
      List<Fingerprinter.Piece> pieces =
          Fingerprinter.pieces(c, tables, Catalog.layouts(c, tables), OPTIONS, true);
      c.rollback();
      for (String table : List.of("big", "pairs", "loose")) {
        assertEquals(2, pieces.stream().filter(p -> tables.get(p.index()).name().equals(table)
            && p.split() != null).count(), table + " is read as two key ranges: " + pieces);
      }
    }

    DatabaseFingerprint alone = fingerprint(name, false);
    DatabaseFingerprint split = fingerprint(name, true);
    // The rows before the seam read again rather than handed over.
    DatabaseFingerprint reread = fingerprint(name, true, new Fingerprinter.Options(OPTIONS.chunkRows(), 0));

    for (TableFingerprint one : alone.tables()) {
      assertEquals(one, table(split, one.table()), one.table());
      assertEquals(one, table(reread, one.table()), one.table() + ", read again");
    }
    TableFingerprint big = table(split, "public.big");
    assertEquals(12000, big.rows());
    assertTrue(big.chunks().size() > 1000, "many chunks: " + big.chunks().size());
  }

  @Test
  void anUpperRangeWithoutASeamIsReadWholeByTheLowerReader() throws SQLException {
    String name = emptyDatabase();
    // No key above the middle is a chunk boundary, so the upper reader never finds where to start.
    execute(name, "CREATE TABLE seamless (id int PRIMARY KEY)");
    StringBuilder keys = new StringBuilder();
    for (int id = 1; id <= 4000; id++) {
      if (id <= 2000 || !Chunker.isBoundary(List.of(String.valueOf(id)), OPTIONS.chunkRows())) {
        keys.append(keys.isEmpty() ? "" : ",").append('(').append(id).append(')');
      }
    }
    execute(name, "INSERT INTO seamless VALUES " + keys);
    execute(name, "ANALYZE seamless");

    TableFingerprint alone = table(fingerprint(name, false), "public.seamless");
    TableFingerprint split = table(fingerprint(name, true), "public.seamless");

    assertEquals(alone, split);
    // Without boundaries, chunks are cut at 8 x chunkRows: the upper half is a few long chunks.
    assertTrue(alone.chunks().stream().anyMatch(c -> c.rows() == 8L * OPTIONS.chunkRows()), alone.chunks().toString());
  }

  @Test
  void aMissingOrDoubledRowInTheUpperRangeIsSeen() throws SQLException {
    String source = database();
    String target = database();
    assertTrue(Comparisons.allMatch(Comparisons.compare(fingerprint(source, true), fingerprint(target, true))),
        "two equal databases match (the control)");

    execute(target, "DELETE FROM big WHERE id = 9000");
    // A copy of a row ordered in the upper half (its MD5 at or above '8').
    execute(target, "INSERT INTO loose SELECT * FROM loose t WHERE md5(t::text) >= '8' LIMIT 1");

    List<TableComparison> differing = Comparisons.compare(fingerprint(source, true), fingerprint(target, true))
        .stream().filter(t -> !t.matches()).toList();
    assertEquals(List.of("public.big", "public.loose"), differing.stream().map(TableComparison::table).toList());
    TableComparison big = differing.get(0);
    assertFalse(big.differingRanges().isEmpty());
    assertTrue(big.differingRanges().stream().allMatch(r -> Long.parseLong(r.first().get(0)) > 6000),
        "only upper ranges differ: " + big.differingRanges());
    assertNotEquals(table(fingerprint(source, true), "public.loose").rows(),
        table(fingerprint(target, true), "public.loose").rows());
  }

  private static TableFingerprint table(DatabaseFingerprint fingerprint, String name) {
    return fingerprint.tables().stream().filter(t -> t.table().equals(name)).findFirst().orElseThrow();
  }

  private static DatabaseFingerprint fingerprint(String database, boolean twoConnections) throws SQLException {
    return fingerprint(database, twoConnections, OPTIONS);
  }

  private static DatabaseFingerprint fingerprint(String database, boolean twoConnections,
      Fingerprinter.Options options) throws SQLException {
    try (Connection c = cluster.connect(database)) {
      return Fingerprinter.fingerprint(c, twoConnections ? () -> cluster.connect(database) : null, "box",
          Verify.ALL, options, line -> { });
    }
  }

  private static void execute(String database, String sql) throws SQLException {
    try (Connection c = cluster.connect(database); Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
