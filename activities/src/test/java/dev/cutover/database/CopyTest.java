package dev.cutover.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.database.CopyActivities.CopyRequest;
import dev.cutover.database.DatabaseActivities.ExtensionCheck;
import dev.cutover.database.DatabaseActivities.ExtensionRequest;
import dev.cutover.database.DatabaseActivities.FenceRequest;
import dev.cutover.verify.FingerprintActivities.FingerprintRequest;
import dev.cutover.plan.Copy;
import dev.cutover.plan.Database;
import dev.cutover.plan.Verify;
import dev.cutover.testing.LocalCluster;
import dev.cutover.testing.SharedClusters;
import dev.cutover.verify.Comparisons;
import dev.cutover.verify.DatabaseFingerprint;
import dev.cutover.verify.TableComparison;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** dump-restore moves everything a real app keeps, streamed (1 job) and in parallel (2). */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class CopyTest {

  @RegisterExtension static final SharedClusters clusters = new SharedClusters();

  private static LocalCluster home;
  private static LocalCluster arm;
  private static int run;
  private final DatabaseActivitiesImpl activities = new DatabaseActivitiesImpl();
  private final CopyActivitiesImpl copies = new CopyActivitiesImpl();
  private final FingerprintActivitiesImpl fingerprints = new FingerprintActivitiesImpl();

  @BeforeAll
  static void startClusters() {
    home = clusters.home();
    arm = clusters.arm();
  }

  private static String richSource() throws SQLException {
    return richSource(true);
  }

  private static String richSource(boolean largeObjects) throws SQLException {
    run++;
    String name = "app" + run;
    home.createDatabase(name);
    try (Connection c = home.connect(name); Statement s = c.createStatement()) {
      s.execute("CREATE EXTENSION citext");
      s.execute("CREATE SCHEMA game");
      s.execute("CREATE SCHEMA \"Odd Schema\"");
      s.execute("CREATE TABLE game.players (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email citext UNIQUE,"
          + " points int NOT NULL DEFAULT 0, doubled int GENERATED ALWAYS AS (points * 2) STORED)");
      s.execute("INSERT INTO game.players (email, points) SELECT 'P' || g || '@x', g FROM generate_series(1, 300) g");
      s.execute("CREATE TABLE public.trades (id serial PRIMARY KEY, player bigint REFERENCES game.players, note text)");
      s.execute("INSERT INTO trades (player, note) SELECT 1 + g % 300, 'trade ' || g FROM generate_series(1, 500) g");
      s.execute("CREATE SEQUENCE \"Odd Schema\".tickets START 1000");
      s.execute("CREATE TABLE \"Odd Schema\".\"Tickets\" (n int PRIMARY KEY DEFAULT nextval('\"Odd Schema\".tickets'))");
      s.execute("INSERT INTO \"Odd Schema\".\"Tickets\" SELECT FROM generate_series(1, 40)");
      s.execute("CREATE TABLE game.events (id bigserial, at date NOT NULL, what text, PRIMARY KEY (id, at))"
          + " PARTITION BY RANGE (at)");
      s.execute("CREATE TABLE game.events_2026 PARTITION OF game.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')");
      s.execute("CREATE TABLE game.events_2027 PARTITION OF game.events FOR VALUES FROM ('2027-01-01') TO ('2028-01-01')");
      s.execute("INSERT INTO game.events (at, what) SELECT date '2026-06-01' + g * 2, 'e' || g FROM generate_series(1, 200) g");
      s.execute("CREATE TABLE audit_log (note text, at timestamptz)");
      s.execute("INSERT INTO audit_log SELECT 'same', '2026-06-11 17:00+00' FROM generate_series(1, 3)");
      s.execute("CREATE TABLE avatars (player bigint PRIMARY KEY, image oid)");
      if (largeObjects) {
        s.execute("INSERT INTO avatars VALUES (1, lo_from_bytea(0, '\\x89504e47'::bytea)), (2, lo_from_bytea(0, 'GIF89a'))");
      } else {
        // Without large objects, more than one job takes the COPY pipes instead of a dump; enough rows that
        // the biggest table is cut into page ranges.
        s.execute("INSERT INTO avatars SELECT g, NULL FROM generate_series(11, 13) g");
        s.execute("CREATE TABLE game.history (id bigint PRIMARY KEY, note text, at timestamptz DEFAULT now())");
        s.execute("INSERT INTO game.history SELECT g, repeat('x', 200) || g FROM generate_series(1, 200000) g");
      }
    }
    return name;
  }

  @ParameterizedTest(name = "jobs={0}, large objects {1}")
  @CsvSource({"1, true", "2, true", "2, false"})
  void everythingIsCopiedAndTheTargetTakesNewRowsInEveryTable(int jobs, boolean largeObjects)
      throws SQLException, IOException {
    String name = richSource(largeObjects);
    Database source = home.database(name);
    Database target = arm.database(name);
    List<Path> dumpsBefore = dumpDirectories();

    CopyActivities.CopyResult copied = copies.copy(new CopyRequest("app", "move-" + run, "home", source,
        "arm", target, new Copy(Copy.Strategy.DUMP_RESTORE, jobs, Copy.Owner.TARGET_USER)));

    assertTrue(copied.bytes() > 0);
    assertEquals(dumpsBefore, dumpDirectories(), "the dump directory is removed");
    List<TableComparison> comparison = Comparisons.compare(fingerprint(source), fingerprint(target));
    assertTrue(Comparisons.allMatch(comparison), comparison.toString());
    assertEquals(largeObjects ? 6 : 7, comparison.size(), comparison.toString());

    activities.unfence(new FenceRequest("app", "arm", target));
    try (Connection c = arm.connect(name); Statement s = c.createStatement()) {
      // Sequences continue where the source left them: no key collides.
      s.execute("INSERT INTO game.players (email, points) VALUES ('new@x', 5)");
      s.execute("INSERT INTO trades (player, note) VALUES (301, 'new')");
      s.execute("INSERT INTO \"Odd Schema\".\"Tickets\" DEFAULT VALUES");
      s.execute("INSERT INTO game.events (at, what) VALUES ('2027-02-01', 'new')");
      s.execute("INSERT INTO audit_log VALUES ('new', now())");
      s.execute("INSERT INTO avatars VALUES (3, lo_from_bytea(0, 'new'))");
      assertEquals("301 10", text(s, "SELECT id || ' ' || doubled FROM game.players WHERE email = 'NEW@X'"));
      assertEquals("1040", text(s, "SELECT max(n)::text FROM \"Odd Schema\".\"Tickets\""));
      if (largeObjects) {
        assertEquals("\\x89504e47", text(s, "SELECT lo_get(image)::text FROM avatars WHERE player = 1"));
      }
      assertEquals("2", text(s, "SELECT count(*)::text FROM pg_inherits WHERE inhparent = 'game.events'::regclass"));
    }
  }

  /**
   * The COPY pipes build indexes early and add foreign keys NOT VALID, then validate them: the target must
   * end with the very indexes, constraints (valid or not as on the source), triggers and comments that
   * pg_restore makes, also when retried over a target a killed worker left half built.
   */
  @Test
  void thePipesEndWithTheSchemaPgRestoreMakes() throws SQLException {
    String name = richSource(false);
    try (Connection c = home.connect(name); Statement s = c.createStatement()) {
      s.execute("CREATE UNIQUE INDEX history_note ON game.history (note) WHERE id > 10");
      s.execute("CREATE INDEX history_lower ON game.history (lower(note))");
      s.execute("COMMENT ON INDEX game.history_lower IS 'for searches'");
      s.execute("CREATE TABLE game.bookings (id int PRIMARY KEY, during tsrange,"
          + " EXCLUDE USING gist (during WITH &&))");
      s.execute("INSERT INTO game.bookings SELECT g, tsrange('2026-01-01'::timestamp + g * interval '1 day',"
          + " '2026-01-01'::timestamp + (g + 1) * interval '1 day') FROM generate_series(1, 50) g");
      s.execute("CREATE TABLE game.notes (id int PRIMARY KEY, parent int REFERENCES game.notes DEFERRABLE,"
          + " history bigint, player bigint, event_id bigint, event_at date,"
          + " FOREIGN KEY (event_id, event_at) REFERENCES game.events ON DELETE CASCADE)");
      s.execute("INSERT INTO game.notes SELECT g, NULLIF(g - 1, 0), g, 1 + g % 300, g, date '2026-06-01' + g * 2"
          + " FROM generate_series(1, 150) g");
      s.execute("ALTER TABLE game.notes ADD CONSTRAINT \"Notes' history\" FOREIGN KEY (history)"
          + " REFERENCES game.history ON UPDATE CASCADE");
      s.execute("COMMENT ON CONSTRAINT \"Notes' history\" ON game.notes IS 'why a note exists'");
      // A key the source never checked: pg_restore leaves it unchecked, and so must the copy.
      s.execute("INSERT INTO game.notes VALUES (999, NULL, NULL, 99999, NULL, NULL)");
      s.execute("ALTER TABLE game.notes ADD CONSTRAINT unchecked FOREIGN KEY (player) REFERENCES game.players"
          + " NOT VALID");
      s.execute("CREATE FUNCTION game.touch() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'");
      s.execute("CREATE TRIGGER touched BEFORE UPDATE ON game.notes FOR EACH ROW EXECUTE FUNCTION game.touch()");
    }
    Database source = home.database(name);
    Database restored = arm.database(name + "_restored");
    Database piped = arm.database(name + "_piped");
    copies.copy(new CopyRequest("app", "move-r" + run, "home", source, "arm", restored,
        new Copy(Copy.Strategy.DUMP_RESTORE, 1, Copy.Owner.TARGET_USER)));
    copies.copy(new CopyRequest("app", "move-p" + run, "home", source, "arm", piped,
        new Copy(Copy.Strategy.DUMP_RESTORE, 2, Copy.Owner.TARGET_USER)));

    List<String> expected = schemaObjects(arm, name + "_restored");
    assertTrue(expected.stream().filter(o -> o.startsWith("constraint ")).count() >= 12, expected.toString());
    assertTrue(expected.stream().anyMatch(o -> o.startsWith("constraint game.notes unchecked f valid=false")),
        expected.toString());
    assertEquals(expected, schemaObjects(arm, name + "_piped"));

    // What a worker killed between adding the keys and validating them leaves: then a retry.
    try (Connection c = arm.connect(name + "_piped"); Statement s = c.createStatement()) {
      s.execute("SET default_transaction_read_only = off");
      s.execute("ALTER TABLE game.notes DROP CONSTRAINT notes_parent_fkey");
      s.execute("ALTER TABLE game.notes ADD FOREIGN KEY (parent) REFERENCES game.notes DEFERRABLE NOT VALID");
      s.execute("DROP INDEX game.history_lower");
    }
    copies.copy(new CopyRequest("app", "move-p" + run, "home", source, "arm", piped,
        new Copy(Copy.Strategy.DUMP_RESTORE, 2, Copy.Owner.TARGET_USER)));
    assertEquals(expected, schemaObjects(arm, name + "_piped"));
  }

  /** Every index, constraint, trigger and comment on them in the user's schemas, as comparable lines. */
  private static List<String> schemaObjects(LocalCluster cluster, String database) throws SQLException {
    List<String> out = new java.util.ArrayList<>();
    try (Connection c = cluster.connect(database); Statement s = c.createStatement()) {
      s.execute("SET search_path = pg_catalog");
      try (ResultSet rs = s.executeQuery(
          "SELECT 'index ' || pg_get_indexdef(i.indexrelid) || coalesce(' -- ' || obj_description(i.indexrelid,"
              + " 'pg_class'), '') FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid"
              + " WHERE c.relnamespace::regnamespace::text NOT IN ('pg_catalog', 'information_schema', 'pg_toast')"
              + " AND i.indisvalid AND i.indisready"
              + " UNION ALL SELECT 'constraint ' || k.conrelid::regclass || ' ' || k.conname || ' ' || k.contype::text"
              + " || ' valid=' || k.convalidated || ' ' || pg_get_constraintdef(k.oid)"
              + " || coalesce(' -- ' || obj_description(k.oid, 'pg_constraint'), '') FROM pg_constraint k"
              + " WHERE k.conrelid <> 0 AND k.connamespace::regnamespace::text NOT IN ('pg_catalog',"
              + " 'information_schema')"
              + " UNION ALL SELECT 'trigger ' || pg_get_triggerdef(t.oid) FROM pg_trigger t WHERE NOT t.tgisinternal"
              + " ORDER BY 1")) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
    }
    return out;
  }

  @Test
  void extensionsTheTargetCannotInstallAreListed() throws SQLException {
    String name = richSource();
    ExtensionRequest request = new ExtensionRequest("home", home.database(name), "arm", arm.database(name));
    ExtensionCheck ok = activities.checkExtensions(request);
    assertTrue(ok.used().stream().anyMatch(e -> e.startsWith("citext ")), ok.toString());
    assertEquals(List.of(), ok.missing());

    // A version no server ships stands for an extension the target lacks; only this throwaway catalog is bent.
    try (Connection c = home.connect(name); Statement s = c.createStatement()) {
      s.execute("UPDATE pg_extension SET extversion = '99.0' WHERE extname = 'citext'");
    }
    ExtensionCheck missing = activities.checkExtensions(request);
    assertEquals(1, missing.missing().size(), missing.toString());
    assertTrue(missing.missing().get(0).startsWith("citext 99.0"), missing.toString());
  }

  @Test
  void anExtensionTheTargetWouldInstallAtAnotherVersionIsListedAndTheProofSeesIt() throws SQLException {
    run++;
    String name = "ext" + run;
    home.createDatabase(name);
    try (Connection c = home.connect(name); Statement s = c.createStatement()) {
      // An older version the server also ships: the restore's CREATE EXTENSION takes the default instead.
      s.execute("CREATE EXTENSION citext VERSION '1.5'");
    }
    ExtensionCheck check = activities.checkExtensions(
        new ExtensionRequest("home", home.database(name), "arm", arm.database(name)));
    assertEquals(List.of(), check.missing());
    assertEquals(1, check.otherVersion().size(), check.toString());
    assertTrue(check.otherVersion().get(0).startsWith("citext 1.5: arm installs 1."), check.toString());

    copies.copy(new CopyRequest("app", "move-" + run, "home", home.database(name), "arm", arm.database(name),
        new Copy(Copy.Strategy.DUMP_RESTORE, 1, Copy.Owner.TARGET_USER)));
    DatabaseFingerprint source = fingerprints.fingerprint(new FingerprintRequest("home", home.database(name),
        Verify.ALL, true, false));
    DatabaseFingerprint target = fingerprints.fingerprint(new FingerprintRequest("arm", arm.database(name),
        Verify.ALL, true, false));
    assertTrue(dev.cutover.verify.ObjectComparisons.compare(source, target).stream().anyMatch(
        d -> d.describe().startsWith("extension citext: version 1.5 on home, 1.")),
        dev.cutover.verify.ObjectComparisons.compare(source, target).toString());
  }

  private DatabaseFingerprint fingerprint(Database db) {
    return fingerprints.fingerprint(new FingerprintRequest("box", db, Verify.ALL));
  }

  private static List<Path> dumpDirectories() throws IOException {
    try (Stream<Path> files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return files.filter(p -> p.getFileName().toString().startsWith("cutover-dump-")).sorted().toList();
    }
  }

  private static String text(Statement s, String sql) throws SQLException {
    try (ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
