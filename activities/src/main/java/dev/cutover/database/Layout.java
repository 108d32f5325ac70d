package dev.cutover.database;

import dev.cutover.verify.KeyRange;
import java.util.ArrayList;
import java.util.List;

/**
 * How one table is read: key columns first (as text, to name chunk boundaries), then every column.
 * A table without a primary key is ordered by the MD5 of its row text, which makes its hash independent
 * of physical order while a duplicated row still adds a tuple.
 */
record Layout(Table table, List<String> keyNames, List<String> keyTypes, List<Boolean> keyCollatable,
    List<String> columns, String descriptor) {

  boolean keyless() {
    return keyNames.isEmpty();
  }

  int keyFields() {
    return keyless() ? 1 : keyNames.size();
  }

  String select(String where) {
    return select(where, true);
  }

  /**
   * The key's columns among {@link #columns}, when each is sent in a binary form that
   * {@link BinaryCopy.Keys} can print as its text (integers, text, varchar, uuid); otherwise null, and
   * the key is sent as text.
   */
  BinaryCopy.Keys binaryKeys() {
    if (keyless()) {
      return null;
    }
    int[] fields = new int[keyNames.size()];
    BinaryCopy.Kind[] kinds = new BinaryCopy.Kind[keyNames.size()];
    for (int i = 0; i < keyNames.size(); i++) {
      fields[i] = columns.indexOf("t." + Sql.ident(keyNames.get(i)));
      String type = keyTypes.get(i);
      kinds[i] = switch (type) {
        case "smallint", "integer", "bigint" -> BinaryCopy.Kind.INTEGER;
        case "text" -> BinaryCopy.Kind.TEXT;
        case "uuid" -> BinaryCopy.Kind.UUID;
        default -> type.startsWith("character varying") ? BinaryCopy.Kind.TEXT : null;
      };
      if (fields[i] < 0 || kinds[i] == null) {
        return null;
      }
    }
    return new BinaryCopy.Keys(fields, kinds);
  }

  /** {@link #select} without the key-as-text fields, for {@link #binaryKeys}. */
  String selectColumns(String where) {
    return select(where, false);
  }

  private String select(String where, boolean keyText) {
    List<String> items = new ArrayList<>();
    if (keyless()) {
      items.add(rowMd5() + " COLLATE \"C\"");
    } else if (keyText) {
      keyNames.forEach(k -> items.add("t." + Sql.ident(k) + "::text"));
    }
    items.addAll(columns);
    String order = keyless() ? "1" : String.join(", ", keyOrder());
    return "SELECT " + String.join(", ", items) + " FROM " + table.from() + " AS t"
        + (where == null ? "" : " WHERE " + where) + " ORDER BY " + order;
  }

  static String rowMd5() {
    return "md5(t::text)";
  }

  List<String> keyOrder() {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < keyNames.size(); i++) {
      out.add("t." + Sql.ident(keyNames.get(i)) + (keyCollatable.get(i) ? " COLLATE \"C\"" : ""));
    }
    return out;
  }

  /** A SQL condition for rows whose key lies in {@code range}; key values become typed literals. */
  String within(KeyRange range) {
    if (keyless()) {
      return rowMd5() + " COLLATE \"C\" BETWEEN " + Sql.literal(range.first().get(0))
          + " AND " + Sql.literal(range.last().get(0));
    }
    String key = "ROW(" + String.join(", ", keyOrder()) + ")";
    return key + " >= " + literalRow(range.first()) + " AND " + key + " <= " + literalRow(range.last());
  }

  /**
   * A SQL condition for rows whose key is one of {@code keys} (each as the text of its columns), as
   * typed array literals: {@code = ANY} on one column can use the key's index.
   */
  String keysIn(java.util.Collection<List<String>> keys) {
    List<String> arrays = new ArrayList<>();
    for (int i = 0; i < keyNames.size(); i++) {
      int column = i;
      arrays.add("CAST(" + Sql.literal(arrayLiteral(keys.stream().map(k -> k.get(column)).toList()))
          + " AS " + keyTypes.get(i) + "[])");
    }
    if (keyNames.size() == 1) {
      return "t." + Sql.ident(keyNames.get(0)) + " = ANY (" + arrays.get(0) + ")";
    }
    List<String> columns = keyNames.stream().map(k -> "t." + Sql.ident(k)).toList();
    return "ROW(" + String.join(", ", columns) + ") IN (SELECT * FROM unnest(" + String.join(", ", arrays) + "))";
  }

  /** {@code {"a","b\"c"}}: every element quoted, so commas, braces and spaces stay inside it. */
  private static String arrayLiteral(List<String> values) {
    StringBuilder out = new StringBuilder("{");
    for (String v : values) {
      if (out.length() > 1) {
        out.append(',');
      }
      out.append('"').append(v.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
    }
    return out.append('}').toString();
  }

  String keyEquals(List<String> key) {
    if (keyless()) {
      return rowMd5() + " = " + Sql.literal(key.get(0));
    }
    return "ROW(" + String.join(", ", keyOrder()) + ") = " + literalRow(key);
  }

  /** Rows below {@code split} in the first key column (or the row MD5): a prefix of the key order. */
  String below(String split) {
    return splitColumn() + " < " + splitValue(split);
  }

  /** The rest of the key order after {@link #below}. */
  String atOrAbove(String split) {
    return splitColumn() + " >= " + splitValue(split);
  }

  /** Rows whose key is at most {@code key}. */
  String atMost(List<String> key) {
    if (keyless()) {
      return rowMd5() + " COLLATE \"C\" <= " + Sql.literal(key.get(0));
    }
    return "ROW(" + String.join(", ", keyOrder()) + ") <= " + literalRow(key);
  }

  private String splitColumn() {
    return keyless() ? rowMd5() + " COLLATE \"C\"" : keyOrder().get(0);
  }

  private String splitValue(String split) {
    return keyless() ? Sql.literal(split) : "CAST(" + Sql.literal(split) + " AS " + keyTypes.get(0) + ")";
  }

  private String literalRow(List<String> values) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < values.size(); i++) {
      out.add("CAST(" + Sql.literal(values.get(i)) + " AS " + keyTypes.get(i) + ")");
    }
    return "ROW(" + String.join(", ", out) + ")";
  }
}
