package dev.cutover.plan;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.List;

/**
 * Either the word {@code all} or a list of table names ({@code schema.table} or {@code table} for
 * {@code public}). Written in YAML as {@code tables: all} or {@code tables: [profiles, trades]}.
 */
public record TableSelection(List<String> names) {

  public static final TableSelection ALL = new TableSelection(List.of());

  public TableSelection {
    names = names == null ? List.of() : List.copyOf(names);
  }

  public boolean all() {
    return names.isEmpty();
  }

  @JsonCreator
  public static TableSelection of(Object value) {
    if (value == null || "all".equals(value)) {
      return ALL;
    }
    if (value instanceof List<?> list) {
      return new TableSelection(list.stream().map(String::valueOf).toList());
    }
    throw new IllegalArgumentException("expected 'all' or a list of table names");
  }

  @JsonValue
  public Object json() {
    return all() ? "all" : names;
  }
}
