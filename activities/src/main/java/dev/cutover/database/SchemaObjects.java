package dev.cutover.database;

import dev.cutover.verify.DatabaseObject;
import dev.cutover.verify.ObjectComparisons;
import dev.cutover.verify.TableFingerprint;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The database's objects beyond table rows, read from the catalog in the caller's snapshot: what a whole
 * {@code pg_dump} carries that a row hash cannot see (a dropped trigger, a reset sequence, an index, a grant).
 * Each query names its objects by kind and name and returns their properties as columns; a property that is
 * null is left out, and one longer than {@link #SHORT} is kept as its SHA-256, so the result stays small
 * whatever the size of a function's body.
 *
 * <p>Left out on purpose: what belongs to an extension (its script made it, the extension's version is
 * compared instead), the database's own settings and comment (the fence and cutover's marker live there),
 * publications, subscriptions and slots (cutover's change logs are some), and statistics. Owners and grants
 * only when {@code owners}: with {@code copy.owner: target-user} the target's objects belong to the mover
 * and carry no grants, by design.
 */
final class SchemaObjects {

  /** Longer property values are hashed. */
  static final int SHORT = 96;

  private SchemaObjects() {}

  /** Not created by an extension's script: {@code classid} is the catalog, {@code oid} the object's oid. */
  private static String notFromExtension(String classid, String oid) {
    return " AND NOT EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.classid = '" + classid + "'::regclass"
        + " AND dep.objid = " + oid + " AND dep.deptype = 'e')";
  }

  private static final String RELATION_KIND = "CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table'"
      + " WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'f' THEN 'foreign table' END";

  /** Every query: kind, name, then properties; {@code owner}, {@code acl} and {@code *acl} columns only with owners. */
  private static final List<String> QUERIES = List.of(
      "SELECT 'schema', n.nspname, pg_get_userbyid(n.nspowner) AS owner, " + acl("n.nspacl", "'n'", "n.nspowner") + " AS acl,"
          + " obj_description(n.oid, 'pg_namespace') AS comment FROM pg_namespace n WHERE "
          + Catalog.userSchema("n.nspname") + notFromExtension("pg_namespace", "n.oid"),
      "SELECT 'extension', e.extname, e.extversion AS version, n.nspname AS schema FROM pg_extension e"
          + " JOIN pg_namespace n ON n.oid = e.extnamespace",
      // Tables, views and materialized views: their settings, definition, populated flag, columns.
      "SELECT " + RELATION_KIND + ", format('%I.%I', n.nspname, c.relname),"
          + " CASE c.relpersistence WHEN 'u' THEN 'unlogged' WHEN 'p' THEN 'logged' END AS persistence,"
          + " CASE WHEN c.relkind IN ('r', 'p') THEN CASE c.relreplident WHEN 'd' THEN 'default' WHEN 'n' THEN 'nothing'"
          + "   WHEN 'f' THEN 'full' WHEN 'i' THEN 'index' END END AS \"replica identity\","
          + " CASE WHEN c.relrowsecurity THEN CASE WHEN c.relforcerowsecurity THEN 'forced' ELSE 'enabled' END END"
          + "   AS \"row security\","
          + " pg_get_partkeydef(c.oid) AS \"partition key\", pg_get_expr(c.relpartbound, c.oid) AS \"partition of\","
          + " (SELECT string_agg(format('%I.%I', pn.nspname, p.relname), ', ' ORDER BY i.inhseqno) FROM pg_inherits i"
          + "   JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace"
          + "   WHERE i.inhrelid = c.oid) AS inherits,"
          + " array_to_string(c.reloptions, ', ') AS options,"
          + " CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END AS definition,"
          + " CASE WHEN c.relkind = 'm' THEN c.relispopulated::text END AS populated,"
          + " pg_get_userbyid(c.relowner) AS owner, " + acl("c.relacl", "'r'", "c.relowner") + " AS acl,"
          + " obj_description(c.oid, 'pg_class') AS comment"
          + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
          + " WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND " + Catalog.userSchema("n.nspname")
          + notFromExtension("pg_class", "c.oid"),
      "SELECT 'constraint', format('%I on %s', co.conname, CASE WHEN co.conrelid <> 0"
          + "   THEN format('%I.%I', n.nspname, c.relname) ELSE 'domain ' || format_type(co.contypid, NULL) END),"
          + " pg_get_constraintdef(co.oid) AS definition, obj_description(co.oid, 'pg_constraint') AS comment"
          + " FROM pg_constraint co LEFT JOIN pg_class c ON c.oid = co.conrelid"
          + " JOIN pg_namespace n ON n.oid = co.connamespace"
          + " WHERE " + Catalog.userSchema("n.nspname") + notFromExtension("pg_constraint", "co.oid")
          + " AND (co.conrelid = 0 OR NOT EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.classid = 'pg_class'::regclass"
          + "   AND dep.objid = co.conrelid AND dep.deptype = 'e'))",
      "SELECT 'index', format('%I.%I', n.nspname, ci.relname), pg_get_indexdef(i.indexrelid) AS definition,"
          + " CASE WHEN NOT i.indisvalid THEN 'invalid' END AS state,"
          + " CASE WHEN i.indisclustered THEN 'clustered' END AS cluster,"
          + " obj_description(ci.oid, 'pg_class') AS comment"
          + " FROM pg_index i JOIN pg_class ci ON ci.oid = i.indexrelid JOIN pg_namespace n ON n.oid = ci.relnamespace"
          + " WHERE " + Catalog.userSchema("n.nspname") + notFromExtension("pg_class", "i.indrelid"),
      // Internal triggers are the foreign keys' own (named by oid): the constraints above stand for them.
      "SELECT 'trigger', format('%I on %I.%I', t.tgname, n.nspname, c.relname), pg_get_triggerdef(t.oid) AS definition,"
          + " CASE t.tgenabled WHEN 'O' THEN 'enabled' WHEN 'D' THEN 'disabled' WHEN 'R' THEN 'replica only'"
          + "   WHEN 'A' THEN 'always' END AS state, obj_description(t.oid, 'pg_trigger') AS comment"
          + " FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
          + " WHERE NOT t.tgisinternal AND " + Catalog.userSchema("n.nspname") + notFromExtension("pg_class", "c.oid"),
      "SELECT 'rule', format('%I on %I.%I', r.rulename, n.nspname, c.relname), pg_get_ruledef(r.oid) AS definition,"
          + " CASE r.ev_enabled WHEN 'O' THEN 'enabled' WHEN 'D' THEN 'disabled' WHEN 'R' THEN 'replica only'"
          + "   WHEN 'A' THEN 'always' END AS state"
          + " FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace"
          + " WHERE r.rulename <> '_RETURN' AND " + Catalog.userSchema("n.nspname") + notFromExtension("pg_class", "c.oid"),
      "SELECT 'policy', format('%I on %I.%I', p.polname, n.nspname, c.relname),"
          + " CASE p.polcmd WHEN 'r' THEN 'select' WHEN 'a' THEN 'insert' WHEN 'w' THEN 'update' WHEN 'd' THEN 'delete'"
          + "   ELSE 'all' END AS command, CASE WHEN p.polpermissive THEN 'permissive' ELSE 'restrictive' END AS mode,"
          + " (SELECT string_agg(CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r) END, ', '"
          + "   ORDER BY CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r)::text END) FROM unnest(p.polroles) r) AS roles,"
          + " pg_get_expr(p.polqual, p.polrelid) AS using, pg_get_expr(p.polwithcheck, p.polrelid) AS \"with check\""
          + " FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
          + " WHERE " + Catalog.userSchema("n.nspname"),
      "SELECT CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' WHEN 'w' THEN 'window function'"
          + "   ELSE 'function' END,"
          + " format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)),"
          + " CASE WHEN p.prokind IN ('f', 'p', 'w') THEN pg_get_functiondef(p.oid)"
          + "   ELSE (SELECT concat_ws(' ', a.aggtransfn, a.aggfinalfn, format_type(a.aggtranstype, NULL), a.agginitval)"
          + "     FROM pg_aggregate a WHERE a.aggfnoid = p.oid) END AS definition,"
          + " pg_get_userbyid(p.proowner) AS owner, " + acl("p.proacl", "'f'", "p.proowner")
          + " AS acl, obj_description(p.oid, 'pg_proc') AS comment"
          + " FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
          + " WHERE " + Catalog.userSchema("n.nspname") + notFromExtension("pg_proc", "p.oid"),
      // Types of their own: enums, domains, composites made by CREATE TYPE, ranges. Not arrays, nor tables' row types.
      "SELECT CASE t.typtype WHEN 'e' THEN 'enum' WHEN 'd' THEN 'domain' WHEN 'c' THEN 'type' WHEN 'r' THEN 'range'"
          + "   WHEN 'b' THEN 'base type' WHEN 'm' THEN 'multirange' END, format('%I.%I', n.nspname, t.typname),"
          + " CASE t.typtype WHEN 'e' THEN (SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder)"
          + "     FROM pg_enum e WHERE e.enumtypid = t.oid)"
          + "   WHEN 'd' THEN concat_ws(' ', format_type(t.typbasetype, t.typtypmod), CASE WHEN t.typnotnull THEN"
          + "     'not null' END, CASE WHEN t.typdefault IS NOT NULL THEN 'default ' || t.typdefault END)"
          + "   WHEN 'c' THEN (SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', '"
          + "     ORDER BY a.attnum) FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0"
          + "     AND NOT a.attisdropped)"
          + "   WHEN 'r' THEN (SELECT format_type(r.rngsubtype, NULL) FROM pg_range r WHERE r.rngtypid = t.oid) END"
          + "   AS definition,"
          + " pg_get_userbyid(t.typowner) AS owner, " + acl("t.typacl", "'T'", "t.typowner")
          + " AS acl, obj_description(t.oid, 'pg_type') AS comment"
          + " FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
          + " WHERE t.typtype IN ('e', 'd', 'c', 'r', 'b', 'm') AND " + Catalog.userSchema("n.nspname")
          + " AND (t.typrelid = 0 OR (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c')"
          + " AND NOT (t.typtype = 'b' AND t.typcategory = 'A')" + notFromExtension("pg_type", "t.oid"),
      "SELECT 'sequence', format('%I.%I', n.nspname, c.relname),"
          + " concat_ws(' ', format_type(s.seqtypid, NULL), 'start', s.seqstart, 'increment', s.seqincrement,"
          + "   'min', s.seqmin, 'max', s.seqmax, 'cache', s.seqcache, CASE WHEN s.seqcycle THEN 'cycle' END)"
          + "   AS definition,"
          + " (SELECT format('%I.%I.%I', tn.nspname, tc.relname, a.attname) FROM pg_depend d"
          + "   JOIN pg_class tc ON tc.oid = d.refobjid JOIN pg_namespace tn ON tn.oid = tc.relnamespace"
          + "   JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid"
          + "   WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')"
          + "   AND d.refclassid = 'pg_class'::regclass LIMIT 1) AS \"owned by\","
          + " pg_get_userbyid(c.relowner) AS owner, " + acl("c.relacl", "'s'", "c.relowner") + " AS acl,"
          + " obj_description(c.oid, 'pg_class') AS comment"
          + " FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
          + " WHERE " + Catalog.userSchema("n.nspname") + notFromExtension("pg_class", "c.oid"),
      "SELECT 'default privileges', concat_ws(' ', 'of', pg_get_userbyid(d.defaclrole), 'in',"
          + " coalesce(n.nspname, 'every schema'), 'on', CASE d.defaclobjtype WHEN 'r' THEN 'tables'"
          + "   WHEN 'S' THEN 'sequences' WHEN 'f' THEN 'functions' WHEN 'T' THEN 'types' WHEN 'n' THEN 'schemas' END),"
          + " d.defaclacl::text AS acl FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace");

  /**
   * Properties of relations listed above, one row each: kind, name, property, value. A column is a property
   * of its table, so a difference reads "table public.film: column title: text on home, varchar on arm".
   */
  private static final List<String> PROPERTY_QUERIES = List.of(
      "SELECT " + RELATION_KIND + ", format('%I.%I', n.nspname, c.relname), 'column ' || a.attname,"
          + " concat_ws(' ', row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum) || ':',"
          + "   format_type(a.atttypid, a.atttypmod),"
          + "   CASE WHEN a.attcollation <> t.typcollation THEN 'collate ' || (SELECT quote_ident(collname)"
          + "     FROM pg_collation WHERE oid = a.attcollation) END,"
          + "   CASE WHEN a.attnotnull THEN 'not null' END,"
          + "   CASE a.attidentity WHEN 'a' THEN 'generated always as identity' WHEN 'd' THEN"
          + "     'generated by default as identity' END,"
          + "   CASE WHEN a.attgenerated = 's' THEN 'generated always as (' || pg_get_expr(ad.adbin, ad.adrelid) || ')'"
          + "     WHEN ad.adbin IS NOT NULL THEN 'default ' || pg_get_expr(ad.adbin, ad.adrelid) END,"
          + "   CASE WHEN a.attstorage <> t.typstorage THEN 'storage ' || a.attstorage::text END,"
          + "   CASE WHEN col_description(c.oid, a.attnum) IS NOT NULL THEN 'comment '"
          + "     || quote_literal(col_description(c.oid, a.attnum)) END)"
          + " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
          + " JOIN pg_type t ON t.oid = a.atttypid"
          + " LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum"
          + " WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped AND "
          + Catalog.userSchema("n.nspname") + notFromExtension("pg_class", "c.oid"),
      "SELECT " + RELATION_KIND + ", format('%I.%I', n.nspname, c.relname), 'column ' || a.attname || ' acl',"
          + " a.attacl::text FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
          + " JOIN pg_namespace n ON n.oid = c.relnamespace"
          + " WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped"
          + " AND a.attacl IS NOT NULL AND " + Catalog.userSchema("n.nspname"));

  /**
   * An object's grants as sorted text. No grants stored (null) means the default ones, and an owner change can
   * store exactly the default, which pg_dump then leaves out: both read as {@code acldefault}, so the two
   * spellings of the same rights compare equal.
   */
  private static String acl(String column, String type, String owner) {
    return "(SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(coalesce(" + column + ", acldefault("
        + type + ", " + owner + "))) a)";
  }

  /** Properties that exist only to compare owners and grants. */
  private static boolean ownership(String property) {
    return property.equals("owner") || property.endsWith("acl");
  }

  /**
   * Every object, and their data that is not in any table: sequences' values, large objects' contents and
   * owners, populated materialized views' rows (hashed by {@code rows}, as a table without a key is).
   */
  /** Hashes a relation's rows as the table fingerprint does: {@link Fingerprinter} passes its own. */
  @FunctionalInterface
  interface RowHasher {
    TableFingerprint hash(Connection c, Layout layout) throws SQLException;
  }

  static List<DatabaseObject> read(Connection c, boolean owners, RowHasher rows) throws SQLException {
    Map<String, String[]> names = new LinkedHashMap<>();
    Map<String, Map<String, String>> objects = new LinkedHashMap<>();
    try (Statement s = c.createStatement()) {
      for (String sql : QUERIES) {
        if (!owners && sql.startsWith("SELECT 'default privileges'")) {
          continue;
        }
        try (ResultSet rs = s.executeQuery(sql)) {
          ResultSetMetaData meta = rs.getMetaData();
          while (rs.next()) {
            Map<String, String> properties = object(names, objects, rs.getString(1), rs.getString(2));
            for (int i = 3; i <= meta.getColumnCount(); i++) {
              put(properties, meta.getColumnLabel(i), rs.getString(i), owners);
            }
          }
        }
      }
      for (String sql : PROPERTY_QUERIES) {
        try (ResultSet rs = s.executeQuery(sql)) {
          while (rs.next()) {
            put(object(names, objects, rs.getString(1), rs.getString(2)), rs.getString(3), rs.getString(4), owners);
          }
        }
      }
    }
    sequenceValues(c, objects);
    largeObjects(c, names, objects, owners);
    materializedViewRows(c, objects, rows);
    List<DatabaseObject> out = new ArrayList<>();
    names.forEach((key, kindAndName) -> out.add(new DatabaseObject(kindAndName[0], kindAndName[1], objects.get(key))));
    return out;
  }

  private static Map<String, String> object(Map<String, String[]> names, Map<String, Map<String, String>> objects,
      String kind, String name) {
    String key = kind + " " + name;
    names.putIfAbsent(key, new String[] {kind, name});
    return objects.computeIfAbsent(key, k -> new LinkedHashMap<>());
  }

  private static void put(Map<String, String> properties, String property, String value, boolean owners) {
    if (value != null && (owners || !ownership(property))) {
      properties.put(property, shortened(value));
    }
  }

  /** Sequences are not transactional: read now, which in a fenced database is the value at the freeze. */
  private static void sequenceValues(Connection c, Map<String, Map<String, String>> objects) throws SQLException {
    try (Statement s = c.createStatement()) {
      for (Map.Entry<String, Map<String, String>> e : objects.entrySet()) {
        if (!e.getKey().startsWith("sequence ")) {
          continue;
        }
        // The name came from format('%I.%I'), already quoted.
        try (ResultSet rs = s.executeQuery("SELECT last_value, is_called FROM " + e.getKey().substring(9))) {
          rs.next();
          e.getValue().put("last_value", rs.getString(1));
          e.getValue().put("is_called", String.valueOf(rs.getBoolean(2)));
        }
      }
    }
  }

  /** Each large object's size and SHA-256, read in 1 MB pieces, so memory stays bounded. */
  private static void largeObjects(Connection c, Map<String, String[]> names, Map<String, Map<String, String>> objects,
      boolean owners) throws SQLException {
    List<String[]> found = new ArrayList<>();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT oid::bigint::text, pg_get_userbyid(lomowner),"
            + " " + acl("lomacl", "'L'", "lomowner")
            + " FROM pg_largeobject_metadata ORDER BY oid")) {
      while (rs.next()) {
        found.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3)});
      }
    }
    int piece = 1 << 20;
    try (java.sql.PreparedStatement read = c.prepareStatement("SELECT lo_get(?::oid, ?, ?)")) {
      for (String[] lo : found) {
        MessageDigest sha = Digests.sha256();
        long size = 0;
        for (long offset = 0; ; offset += piece) {
          read.setLong(1, Long.parseLong(lo[0]));
          read.setLong(2, offset);
          read.setInt(3, piece);
          byte[] chunk;
          try (ResultSet rs = read.executeQuery()) {
            rs.next();
            chunk = rs.getBytes(1);
          }
          sha.update(chunk);
          size += chunk.length;
          if (chunk.length < piece) {
            break;
          }
        }
        Map<String, String> properties = object(names, objects, "large object", lo[0]);
        properties.put("size", Long.toString(size));
        properties.put("content", ObjectComparisons.HASHED + HexFormat.of().formatHex(sha.digest()));
        put(properties, "owner", lo[1], owners);
        put(properties, "acl", lo[2], owners);
      }
    }
  }

  /** A populated materialized view's rows, counted and hashed like a table without a key. */
  private static void materializedViewRows(Connection c, Map<String, Map<String, String>> objects, RowHasher hasher)
      throws SQLException {
    List<Table> views = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT c.oid, n.nspname, c.relname, format('%I.%I', n.nspname, c.relname)"
            + " FROM pg_class c"
            + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'm' AND c.relispopulated AND "
            + Catalog.userSchema("n.nspname") + notFromExtension("pg_class", "c.oid") + " ORDER BY 2, 3")) {
      while (rs.next()) {
        views.add(new Table(rs.getLong(1), rs.getString(2), rs.getString(3), false));
        keys.add("materialized view " + rs.getString(4));
      }
    }
    if (views.isEmpty()) {
      return;
    }
    Map<Long, Layout> layouts = Catalog.layouts(c, views);
    for (int i = 0; i < views.size(); i++) {
      Table view = views.get(i);
      Map<String, String> properties = objects.get(keys.get(i));
      if (properties == null) {
        continue;
      }
      TableFingerprint rows = hasher.hash(c, layouts.get(view.oid()));
      properties.put("rows", Long.toString(rows.rows()));
      properties.put("content", ObjectComparisons.HASHED + rows.hash());
    }
  }

  static String shortened(String value) {
    if (value.length() <= SHORT) {
      return value;
    }
    MessageDigest sha = Digests.sha256();
    return ObjectComparisons.HASHED + HexFormat.of().formatHex(sha.digest(value.getBytes(StandardCharsets.UTF_8)));
  }
}
