package dev.cutover.plan;

import java.util.List;
import java.util.Map;

/**
 * The plan as read, before any meaning is given to it: mappings, lists and scalars, each remembering its
 * line, so every later check can say where the problem is.
 */
sealed interface YamlNode {

  int line();

  /** What the operator wrote here, for "expected a list, found a string". */
  String describe();

  record Mapping(int line, Map<String, Entry> entries) implements YamlNode {
    Entry get(String key) {
      return entries.get(key);
    }

    @Override
    public String describe() {
      return "a mapping";
    }
  }

  /** A key and its value; the key's own line is where "unknown key" and "duplicate key" point. */
  record Entry(String key, int line, YamlNode value) {}

  record Sequence(int line, List<YamlNode> items) implements YamlNode {
    @Override
    public String describe() {
      return "a list";
    }
  }

  record Scalar(int line, String text, Kind kind) implements YamlNode {
    @Override
    public String describe() {
      return switch (kind) {
        case STRING -> "a string";
        case INTEGER, FLOAT -> "a number";
        case BOOLEAN -> "a boolean";
        case NULL -> "nothing";
        case ALIAS -> "an alias";
      };
    }

    boolean isNull() {
      return kind == Kind.NULL;
    }
  }

  enum Kind {
    STRING, INTEGER, FLOAT, BOOLEAN, NULL,
    /** Already reported by the reader; checks skip it rather than report it again. */
    ALIAS
  }
}
