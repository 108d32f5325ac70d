package dev.cutover.verify;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Compares two sides' objects (schema, sequences, large objects, materialized views) and names each
 * difference. Deterministic: runs inside the workflow.
 */
public final class ObjectComparisons {

  /** Properties longer than this are kept as their hash; then only "differs" can be said of them. */
  public static final String HASHED = "sha256:";

  private ObjectComparisons() {}

  /**
   * Every object missing on one side or differing, in kind and name order; empty when the two agree, or when
   * either side's objects were not read (a fingerprint recorded before they were, or not asked for).
   */
  public static List<ObjectDifference> compare(
      String sourceBox, List<DatabaseObject> source, String targetBox, List<DatabaseObject> target) {
    if (source == null || target == null) {
      return List.of();
    }
    Map<String, DatabaseObject> left = byKey(source);
    Map<String, DatabaseObject> right = byKey(target);
    TreeSet<String> keys = new TreeSet<>(left.keySet());
    keys.addAll(right.keySet());
    List<ObjectDifference> out = new ArrayList<>();
    for (String key : keys) {
      DatabaseObject s = left.get(key);
      DatabaseObject t = right.get(key);
      if (s == null || t == null) {
        DatabaseObject o = s == null ? t : s;
        out.add(new ObjectDifference(o.kind(), o.name(), "missing on " + (s == null ? sourceBox : targetBox)));
        continue;
      }
      List<String> how = new ArrayList<>();
      TreeSet<String> properties = new TreeSet<>(s.properties().keySet());
      properties.addAll(t.properties().keySet());
      for (String p : properties) {
        String a = s.properties().get(p);
        String b = t.properties().get(p);
        if (Objects.equals(a, b)) {
          continue;
        }
        if (a == null || b == null) {
          how.add(p + " " + (a == null ? "missing on " + sourceBox : "missing on " + targetBox));
        } else if (a.startsWith(HASHED) || b.startsWith(HASHED)) {
          how.add(p + " differs");
        } else {
          how.add(p + " " + a + " on " + sourceBox + ", " + b + " on " + targetBox);
        }
      }
      if (!how.isEmpty()) {
        out.add(new ObjectDifference(s.kind(), s.name(), String.join("; ", how)));
      }
    }
    return out;
  }

  public static List<ObjectDifference> compare(DatabaseFingerprint source, DatabaseFingerprint target) {
    return compare(source.box(), source.objects(), target.box(), target.objects());
  }

  private static Map<String, DatabaseObject> byKey(List<DatabaseObject> objects) {
    Map<String, DatabaseObject> map = new TreeMap<>();
    objects.forEach(o -> map.put(o.key(), o));
    return map;
  }
}
