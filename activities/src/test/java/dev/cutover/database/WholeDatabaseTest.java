package dev.cutover.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.database.CopyActivities.CopyRequest;
import dev.cutover.database.CopyActivities.LogicalLag;
import dev.cutover.database.CopyActivities.LogicalRequest;
import dev.cutover.database.CopyActivities.LogicalWaitRequest;
import dev.cutover.database.DatabaseActivities.FenceRequest;
import dev.cutover.plan.Copy;
import dev.cutover.plan.Database;
import dev.cutover.plan.Verify;
import dev.cutover.verify.Comparisons;
import dev.cutover.verify.DatabaseFingerprint;
import dev.cutover.verify.DatabaseObject;
import dev.cutover.verify.FingerprintActivities.FingerprintRequest;
import dev.cutover.verify.ObjectComparisons;
import java.util.List;
import dev.cutover.testing.PostgresClusters;
import dev.cutover.testing.SampleSchema;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Everything a whole pg_dump | pg_restore carries arrives, in every strategy, on a sample schema. */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class WholeDatabaseTest {

  @RegisterExtension static final PostgresClusters clusters = new PostgresClusters();

  private static final Duration WAIT = Duration.ofMinutes(2);
  private static int run;

  private final DatabaseActivitiesImpl activities = new DatabaseActivitiesImpl();
  private final CopyActivitiesImpl copies = new CopyActivitiesImpl();
  private final FingerprintActivitiesImpl fingerprints = new FingerprintActivitiesImpl();

  /** The three ways a copy is made: the streamed dump, the COPY pipes, logical replication. */
  enum Way {
    DUMP_RESTORE_1(new Copy(Copy.Strategy.DUMP_RESTORE, 1, Copy.Owner.TARGET_USER)),
    DUMP_RESTORE_2(new Copy(Copy.Strategy.DUMP_RESTORE, 2, Copy.Owner.TARGET_USER)),
    LOGICAL(new Copy(Copy.Strategy.LOGICAL, 1, Copy.Owner.TARGET_USER, true));

    final Copy copy;

    Way(Copy copy) {
      this.copy = copy;
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"DUMP_RESTORE_1", "DUMP_RESTORE_2", "LOGICAL"})
  void materializedViewsArePopulatedOnTheTargetExactlyWhenTheyWereOnTheSource(String way) throws Exception {
    String name = "shop" + ++run;
    // No large objects: with them, more than one job takes a directory dump instead of the COPY pipes.
    Database source = clusters.home().createDatabase(name, c -> SampleSchema.create(c, false));
    Database target = move(Way.valueOf(way), name, source);

    String populated = "SELECT string_agg(relname || '=' || relispopulated, ',' ORDER BY relname) FROM pg_class"
        + " WHERE relkind = 'm'";
    assertEquals("rentals_pending=false,sales_by_category=true", text(clusters.home(), name, populated));
    assertEquals(text(clusters.home(), name, populated), text(clusters.arm(), name, populated));
    String rows = "SELECT string_agg(category || ':' || total_sales || ':' || payments, ',' ORDER BY category)"
        + " FROM sales_by_category";
    assertEquals(text(clusters.home(), name, rows), text(clusters.arm(), name, rows));

    // The proof agrees: every table and every object, the materialized views' rows among them.
    DatabaseFingerprint home = fingerprints.fingerprint(new FingerprintRequest("home", source, Verify.ALL, true, false));
    DatabaseFingerprint arm = fingerprints.fingerprint(new FingerprintRequest("arm", target, Verify.ALL, true, false));
    assertTrue(Comparisons.allMatch(Comparisons.compare(home, arm)), Comparisons.compare(home, arm).toString());
    assertEquals(List.of(), ObjectComparisons.compare(home, arm));
    DatabaseObject view = home.objects().stream().filter(o -> o.key().equals("materialized view public.sales_by_category"))
        .findFirst().orElseThrow();
    assertEquals("16", view.properties().get("rows"), view.toString());
    assertEquals("true", view.properties().get("populated"), view.toString());
  }

  @org.junit.jupiter.api.Test
  void aFullReplicaIdentityGivenForTheMoveIsNotLeftOnTheTarget() throws Exception {
    String name = "shop" + ++run;
    Database source = clusters.home().createDatabase(name, c -> {
      SampleSchema.create(c, true);
      try (Statement s = c.createStatement()) {
        s.execute("CREATE TABLE audit_trail (note text)");
        s.execute("ALTER TABLE audit_trail REPLICA IDENTITY NOTHING");
      }
    });
    move(Way.LOGICAL, name, source);

    String identities = "SELECT string_agg(c.relname || '=' || c.relreplident::text, ',' ORDER BY c.relname) FROM pg_class c"
        + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname = 'public'";
    assertTrue(text(clusters.home(), name, identities).contains("rental_log=d"), "the source has its own back");
    assertTrue(text(clusters.home(), name, identities).contains("audit_trail=n"), "NOTHING stays NOTHING");
    assertEquals(text(clusters.home(), name, identities), text(clusters.arm(), name, identities));
  }

  @org.junit.jupiter.api.Test
  void logicalFindsWhatReplicationCannotCarryAndCopiesItInTheFreezeWhereTheProofSeesIt() throws Exception {
    String name = "shop" + ++run;
    String app = "shop" + run;
    Database source = clusters.home().createDatabase(name, c -> {
      SampleSchema.create(c, true);
      try (Statement s = c.createStatement()) {
        s.execute("CREATE UNLOGGED TABLE cart (id int PRIMARY KEY, film_id int, added timestamptz DEFAULT now())");
        s.execute("INSERT INTO cart (id, film_id) SELECT g, g FROM generate_series(1, 500) g");
      }
    });
    Database target = clusters.arm().database(name);
    LogicalRequest request = new LogicalRequest(app, "move-" + run, "home", source, "arm", target, Way.LOGICAL.copy);

    CopyActivities.LogicalReadiness ready = copies.checkLogical(request);
    CopyActivities.LogicalIssue unlogged = ready.issues().stream().filter(i -> i.check().equals("unlogged tables"))
        .findFirst().orElseThrow(() -> new AssertionError("no finding for the unlogged table: " + ready.issues()));
    assertTrue(unlogged.problem().contains("public.cart"), unlogged.toString());
    assertTrue(!unlogged.blocking(), "copied in the freeze, so a warning: " + unlogged);

    copies.startLogical(request);
    assertTrue(copies.awaitInitialCopy(new LogicalWaitRequest(request, WAIT)).initialCopyDone());
    try (Connection c = clusters.home().connect(name); Statement s = c.createStatement()) {
      // After the publication: an unlogged table's rows change, and a table is created, with a sequence and
      // a foreign key, which the subscription never learns of.
      s.execute("UPDATE cart SET film_id = 7 WHERE id <= 100");
      s.execute("CREATE TABLE wishlist (id serial PRIMARY KEY, film_id int REFERENCES film, note text)");
      s.execute("INSERT INTO wishlist (film_id, note) SELECT g, 'wish ' || g FROM generate_series(1, 300) g");
    }
    activities.fence(new FenceRequest(app, "home", source));
    copies.catchUp(new LogicalWaitRequest(request, WAIT));

    DatabaseFingerprint home = fingerprints.fingerprint(new FingerprintRequest("home", source, Verify.ALL, true, false));
    DatabaseFingerprint arm = fingerprints.fingerprint(new FingerprintRequest("arm", target, Verify.ALL, true, false));
    assertTrue(Comparisons.allMatch(Comparisons.compare(home, arm)), Comparisons.compare(home, arm).toString());
    assertEquals(List.of(), ObjectComparisons.compare(home, arm));
    assertEquals("100", text(clusters.arm(), name, "SELECT count(*)::text FROM cart WHERE film_id = 7"));
    assertEquals("300", text(clusters.arm(), name, "SELECT count(*)::text FROM wishlist"));
    assertEquals("unlogged", text(clusters.arm(), name,
        "SELECT CASE relpersistence WHEN 'u' THEN 'unlogged' END FROM pg_class WHERE relname = 'cart'"));

    // A rerun of the catch-up (a retry after a worker died) copies them again, and lands in the same place.
    copies.catchUp(new LogicalWaitRequest(request, WAIT));
    DatabaseFingerprint again = fingerprints.fingerprint(new FingerprintRequest("arm", target, Verify.ALL, true, false));
    assertTrue(Comparisons.allMatch(Comparisons.compare(home, again)), Comparisons.compare(home, again).toString());
    assertEquals(List.of(), ObjectComparisons.compare(home, again));
  }

  @ParameterizedTest
  @ValueSource(strings = {"DUMP_RESTORE_1", "LOGICAL"})
  void withOwnersKeptEveryOwnerAndGrantEndsAsOnTheSource(String way) throws Exception {
    String name = "shop" + ++run;
    Database source = clusters.home().createDatabase(name, c -> {
      SampleSchema.create(c, true);
      try (Statement s = c.createStatement()) {
        // Owned by the app's own role, as a real app's are: the large objects too.
        s.execute("ALTER TABLE film OWNER TO " + SampleSchema.READER);
        s.execute("DO $$ DECLARE o oid; BEGIN FOR o IN SELECT oid FROM pg_largeobject_metadata LOOP"
            + " EXECUTE format('ALTER LARGE OBJECT %s OWNER TO " + SampleSchema.READER + "', o);"
            + " EXECUTE format('GRANT SELECT ON LARGE OBJECT %s TO PUBLIC', o); END LOOP; END $$");
      }
    });
    try (Connection c = clusters.arm().connect("postgres"); Statement s = c.createStatement()) {
      s.execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + SampleSchema.READER + "') THEN"
          + " CREATE ROLE " + SampleSchema.READER + "; END IF; END $$");
    }
    Copy keep = new Copy(Way.valueOf(way).copy.strategy(), 1, Copy.Owner.KEEP, true);
    Database target = move(keep, name, source);

    DatabaseFingerprint home = fingerprints.fingerprint(new FingerprintRequest("home", source, Verify.ALL, true, true));
    DatabaseFingerprint arm = fingerprints.fingerprint(new FingerprintRequest("arm", target, Verify.ALL, true, true));
    assertEquals(List.of(), ObjectComparisons.compare(home, arm));
    assertTrue(home.objects().stream().anyMatch(o -> o.kind().equals("large object")
        && SampleSchema.READER.equals(o.properties().get("owner")) && o.properties().get("acl").startsWith("=r/")),
        home.objects().toString());
  }

  /** Moves {@code name} from home to arm the given way; the source ends fenced. */
  private Database move(Way way, String name, Database source) throws Exception {
    return move(way.copy, name, source);
  }

  private Database move(Copy copy, String name, Database source) throws Exception {
    Database target = clusters.arm().database(name);
    String app = "shop" + run;
    if (copy.strategy() == Copy.Strategy.DUMP_RESTORE) {
      activities.fence(new FenceRequest(app, "home", source));
      copies.copy(new CopyRequest(app, "move-" + run, "home", source, "arm", target, copy));
      return target;
    }
    LogicalRequest request = new LogicalRequest(app, "move-" + run, "home", source, "arm", target, copy);
    copies.startLogical(request);
    LogicalLag copied = copies.awaitInitialCopy(new LogicalWaitRequest(request, WAIT));
    assertTrue(copied.initialCopyDone(), copied.toString());
    activities.fence(new FenceRequest(app, "home", source));
    copies.catchUp(new LogicalWaitRequest(request, WAIT));
    return target;
  }

  static String text(dev.cutover.testing.LocalCluster cluster, String db, String sql) throws SQLException {
    try (Connection c = cluster.connect(db); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
