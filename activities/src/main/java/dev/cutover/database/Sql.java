package dev.cutover.database;

/** Quoting for the few places SQL must name an object or hold a literal that JDBC cannot bind. */
public final class Sql {

  private Sql() {}

  /** A quoted identifier: {@code "we""ird"} for {@code we"ird}. */
  public static String ident(String name) {
    return '"' + name.replace("\"", "\"\"") + '"';
  }

  /** {@code "schema"."table"} from {@code schema.table}; a bare name means {@code public}. */
  public static String qualified(String schema, String table) {
    return ident(schema) + "." + ident(table);
  }

  /** A standard-conforming string literal, for utility statements (COMMENT, ALTER) that take no binds. */
  public static String literal(String value) {
    if (value.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("NUL in SQL literal");
    }
    return "'" + value.replace("'", "''") + "'";
  }
}
