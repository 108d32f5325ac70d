package dev.cutover.verify;

import java.util.Map;
import java.util.TreeMap;

/**
 * One object of a database beyond table rows, as the catalog describes it on one side: a table's columns
 * and settings, a constraint, an index, a trigger and whether it fires, a function, a view, a sequence's
 * value, a large object's content hash, a materialized view's rows. {@code kind} and {@code name} say which
 * ("trigger", "film_fulltext_trigger on public.film"); {@code properties} what it is, each short (a long
 * definition is kept as its SHA-256), so two sides compare property by property.
 */
public record DatabaseObject(String kind, String name, Map<String, String> properties) {

  public DatabaseObject {
    properties = properties == null ? Map.of() : new TreeMap<>(properties);
  }

  /** What names it in a comparison: kind and name together, since a table and its index may share a name. */
  public String key() {
    return kind + " " + name;
  }
}
