package dev.cutover.database;

import dev.cutover.workflow.CutoverFailure;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The plan's {@code verify.sums}: per table, column totals shown side by side, exact on every run. */
final class Sums {

  private Sums() {}

  /**
   * The plan's column sums, each exact, so that equal data always gives equal text. Integers and numeric
   * are summed as they are. A floating-point sum depends on the order rows are added in (a parallel
   * aggregate adds them in a different order each run), so a float column is summed as numeric over each
   * value's shortest exact text (the session's {@code extra_float_digits} is fixed, so equal doubles give
   * equal text and different ones different text). Other types have no sum: refused by name.
   */
  static Map<String, String> of(Connection c, Table table, List<String> columns) throws SQLException {
    Map<String, String> out = new LinkedHashMap<>();
    for (String column : columns) {
      String type = sumType(c, table, column);
      String expression = switch (type) {
        case "smallint", "integer", "bigint", "numeric" -> Sql.ident(column);
        case "real", "double precision" -> Sql.ident(column) + "::text::numeric";
        default -> throw CutoverFailure.INVALID_PLAN.failure("verify.sums." + table.qualifiedName() + ": column "
            + column + " is " + type + "; only integer, numeric, real and double precision columns have an exact sum");
      };
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT sum(" + expression + ")::text FROM " + table.from())) {
        rs.next();
        out.put(column, rs.getString(1) == null ? "null" : rs.getString(1));
      }
    }
    return out;
  }

  /** The column's type, or its domain's base type; refused when the table has no such column. */
  private static String sumType(Connection c, Table table, String column) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT format_type(CASE WHEN t.typtype = 'd' THEN t.typbasetype"
        + " ELSE t.oid END, NULL) FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid"
        + " WHERE a.attrelid = ?::oid AND a.attname = ? AND a.attnum > 0 AND NOT a.attisdropped")) {
      ps.setLong(1, table.oid());
      ps.setString(2, column);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw CutoverFailure.INVALID_PLAN.failure("verify.sums." + table.qualifiedName() + ": no column " + column);
        }
        return rs.getString(1);
      }
    }
  }
}
