package dev.cutover.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.lang.reflect.Type;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Checks located YAML against the plan records and builds the JSON Jackson will bind. Every method records
 * what is wrong and carries on, so one pass finds every error; a value that is wrong comes back null and is
 * left out, so one mistake is reported once and not again by the checks that depend on it.
 */
final class PlanValidator {

  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private final Errors errors;

  PlanValidator(Errors errors) {
    this.errors = errors;
  }

  /** The whole plan: a mapping at the top, bound to {@link Plan}. */
  JsonNode plan(YamlNode root) {
    if (root instanceof YamlNode.Scalar scalar && scalar.isNull()) {
      errors.add(1, YamlPath.ROOT, "the plan is empty");
      return null;
    }
    if (!(root instanceof YamlNode.Mapping mapping)) {
      errors.add(root.line(), YamlPath.ROOT, "expected a mapping of keys (app, source, target, ...) at the top"
          + " of the plan, found " + root.describe());
      return null;
    }
    return record(mapping, Plan.class, YamlPath.ROOT, null);
  }

  /** {@code field} is the record component being filled, or null for list items and map values. */
  private JsonNode value(YamlNode node, Type type, YamlPath path, Model.Field field) {
    Class<?> raw = Model.raw(type);
    if (node instanceof YamlNode.Scalar scalar && scalar.kind() == YamlNode.Kind.ALIAS) {
      return null;
    }
    if (node instanceof YamlNode.Scalar scalar && scalar.isNull()) {
      return wrongType(node, path, expected(raw));
    }
    if (raw == TableSelection.class) {
      return tables(node, path);
    }
    if (raw == List.class) {
      return list(node, Model.argument(type, 0), path);
    }
    if (raw == Map.class) {
      return map(node, Model.argument(type, 1), path);
    }
    if (Model.isPolymorphic(raw)) {
      return node instanceof YamlNode.Mapping mapping ? polymorphic(mapping, raw, path) : wrongType(node, path, expected(raw));
    }
    if (raw.isRecord()) {
      return node instanceof YamlNode.Mapping mapping ? record(mapping, raw, path, null) : wrongType(node, path, expected(raw));
    }
    if (!(node instanceof YamlNode.Scalar scalar)) {
      return wrongType(node, path, expected(raw));
    }
    return scalar(scalar, raw, path, field);
  }

  private JsonNode scalar(YamlNode.Scalar scalar, Class<?> type, YamlPath path, Model.Field field) {
    if (type == String.class) {
      return TextNode.valueOf(scalar.text()); // a number or boolean written where text belongs is still text
    }
    if (type == Integer.class || type == int.class) {
      return integer(scalar, path);
    }
    if (type == Boolean.class || type == boolean.class) {
      return scalar.kind() == YamlNode.Kind.BOOLEAN ? JSON.booleanNode(Boolean.parseBoolean(scalar.text()))
          : wrongType(scalar, path, "a boolean (true or false)");
    }
    if (type == Duration.class) {
      return duration(scalar, path, field);
    }
    if (type == URI.class) {
      return url(scalar, path);
    }
    if (type.isEnum()) {
      return oneOf(scalar, path, Model.enumNames(type), "value");
    }
    throw new IllegalStateException("the plan model uses a type the validator does not know: " + type);
  }

  private ObjectNode record(YamlNode.Mapping mapping, Class<?> type, YamlPath path, String typeKey) {
    Map<String, Model.Field> fields = Model.fields(type).stream()
        .collect(Collectors.toMap(Model.Field::key, Function.identity(), (a, b) -> a, LinkedHashMap::new));
    ObjectNode out = JSON.objectNode();
    for (YamlNode.Entry entry : mapping.entries().values()) {
      Model.Field field = fields.get(entry.key());
      if (entry.key().equals(typeKey)) {
        continue;
      } else if (field == null) {
        unknownKey(entry, path, typeKey == null ? fields.keySet() : withKey(fields.keySet(), typeKey));
      } else if (!(entry.value() instanceof YamlNode.Scalar scalar && scalar.isNull())) {
        field(entry, field, path.key(entry.key())).ifPresent(value -> out.set(entry.key(), value));
      }
    }
    for (Model.Field field : fields.values()) {
      if (field.required() && !out.has(field.key()) && isMissing(mapping.get(field.key()))) {
        YamlNode.Entry empty = mapping.get(field.key());
        errors.add(empty == null ? mapping.line() : empty.line(), path.key(field.key()),
            "missing required key '" + field.key() + "'");
      }
    }
    PlanRules.forRecord(type).check().check(out, mapping, path, errors);
    return out;
  }

  private Optional<JsonNode> field(YamlNode.Entry entry, Model.Field field, YamlPath path) {
    JsonNode value = value(entry.value(), field.type(), path, field);
    if (value == null) {
      return Optional.empty();
    }
    // A record comes back even with errors inside, keeping what was right for the checks across its keys.
    String problem = value.isObject() ? null : PlanRules.forField(field).check().problem(value);
    if (problem != null) {
      errors.add(entry.line(), path, problem);
      return Optional.empty();
    }
    return Optional.of(value);
  }

  private static boolean isMissing(YamlNode.Entry entry) {
    return entry == null || entry.value() instanceof YamlNode.Scalar scalar && scalar.isNull();
  }

  private ObjectNode polymorphic(YamlNode.Mapping mapping, Class<?> type, YamlPath path) {
    String typeKey = Model.typeKey(type);
    Map<String, Class<?>> subtypes = Model.subtypes(type);
    YamlNode.Entry chosen = mapping.get(typeKey);
    if (isMissing(chosen)) {
      errors.add(mapping.line(), path.key(typeKey), "missing required key '" + typeKey + "' (one of: "
          + String.join(", ", subtypes.keySet()) + ")");
      return null;
    }
    JsonNode name = chosen.value() instanceof YamlNode.Scalar scalar
        ? oneOf(scalar, path.key(typeKey), List.copyOf(subtypes.keySet()), Model.humanName(type) + " type")
        : wrongType(chosen.value(), path.key(typeKey), "a string");
    if (name == null) {
      return null; // without a known type there is no telling which keys belong
    }
    ObjectNode out = JSON.objectNode().put(typeKey, name.asText());
    return out.setAll(record(mapping, subtypes.get(name.asText()), path, typeKey));
  }

  private ArrayNode list(YamlNode node, Type itemType, YamlPath path) {
    if (!(node instanceof YamlNode.Sequence sequence)) {
      return wrongType(node, path, "a list");
    }
    int before = errors.count();
    ArrayNode out = JSON.arrayNode();
    for (int i = 0; i < sequence.items().size(); i++) {
      out.add(value(sequence.items().get(i), itemType, path.index(i), null));
    }
    return errors.count() == before ? out : null;
  }

  private ObjectNode map(YamlNode node, Type valueType, YamlPath path) {
    if (!(node instanceof YamlNode.Mapping mapping)) {
      return wrongType(node, path, "a mapping");
    }
    int before = errors.count();
    ObjectNode out = JSON.objectNode();
    for (YamlNode.Entry entry : mapping.entries().values()) {
      out.set(entry.key(), value(entry.value(), valueType, path.key(entry.key()), null));
    }
    return errors.count() == before ? out : null;
  }

  private JsonNode tables(YamlNode node, YamlPath path) {
    if (node instanceof YamlNode.Scalar scalar && scalar.text().equals("all")) {
      return TextNode.valueOf("all");
    }
    if (node instanceof YamlNode.Sequence sequence && sequence.items().isEmpty()) {
      errors.add(node.line(), path, "an empty list of tables: write 'all' to fingerprint every table");
      return null;
    }
    if (node instanceof YamlNode.Sequence) {
      return list(node, String.class, path);
    }
    return wrongType(node, path, "'all' or a list of table names");
  }

  private JsonNode integer(YamlNode.Scalar scalar, YamlPath path) {
    if (scalar.kind() != YamlNode.Kind.INTEGER) {
      return wrongType(scalar, path, "a whole number");
    }
    try {
      return JSON.numberNode(Integer.parseInt(scalar.text()));
    } catch (NumberFormatException e) {
      errors.add(scalar.line(), path, "'" + scalar.text() + "' is too large a number");
      return null;
    }
  }

  private JsonNode duration(YamlNode.Scalar scalar, YamlPath path, Model.Field field) {
    try {
      Duration duration = Durations.parse(scalar.text());
      if (duration.isZero() && !PlanRules.mayBeZero(field)) {
        errors.add(scalar.line(), path, "must be longer than zero");
        return null;
      }
      return TextNode.valueOf(scalar.text());
    } catch (IllegalArgumentException e) {
      errors.add(scalar.line(), path, e.getMessage());
      return null;
    }
  }

  private JsonNode url(YamlNode.Scalar scalar, YamlPath path) {
    try {
      URI uri = new URI(scalar.text());
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase();
      if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
        return TextNode.valueOf(scalar.text());
      }
    } catch (URISyntaxException e) {
      // reported below, with the same words as a URL that parses but is not http(s)
    }
    errors.add(scalar.line(), path,
        "expected an http or https URL with a host, e.g. https://game.example.com/healthz; got '" + scalar.text() + "'");
    return null;
  }

  private JsonNode oneOf(YamlNode.Scalar scalar, YamlPath path, List<String> allowed, String what) {
    if (allowed.contains(scalar.text())) {
      return TextNode.valueOf(scalar.text());
    }
    errors.add(scalar.line(), path, "unknown " + what + " '" + scalar.text() + "' (allowed: "
        + String.join(", ", allowed) + ")");
    return null;
  }

  private void unknownKey(YamlNode.Entry entry, YamlPath path, Collection<String> known) {
    String secret = PlanRules.secretKeyProblem(entry.key(), known);
    if (secret != null) {
      errors.add(entry.line(), path.key(entry.key()), secret);
      return;
    }
    String hint = closest(entry.key(), known)
        .map(key -> ": did you mean '" + key + "'?")
        .orElse(" (known keys: " + String.join(", ", known) + ")");
    errors.add(entry.line(), path.key(entry.key()), "unknown key '" + entry.key() + "'" + hint);
  }

  private <T extends JsonNode> T wrongType(YamlNode node, YamlPath path, String expected) {
    errors.add(node.line(), path, "expected " + expected + ", found " + node.describe());
    return null;
  }

  private static String expected(Class<?> type) {
    if (type.isRecord() || type.isInterface()) {
      return "a mapping";
    }
    if (type == Integer.class || type == int.class) {
      return "a whole number";
    }
    return type == Duration.class ? "a duration, e.g. 60s" : "a string";
  }

  private static List<String> withKey(Collection<String> keys, String extra) {
    return Stream.concat(Stream.of(extra), keys.stream()).toList();
  }

  /** The known key nearest by edit distance, if it is near enough to be a typo. */
  static Optional<String> closest(String key, Collection<String> known) {
    return known.stream()
        .filter(candidate -> distance(key.toLowerCase(), candidate.toLowerCase()) <= 2)
        .min(Comparator.comparingInt(candidate -> distance(key.toLowerCase(), candidate.toLowerCase())));
  }

  static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
