package dev.cutover.plan;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The plan's JSON Schema (draft 2020-12), generated from the same records and rules the parser uses, so
 * editors and {@code cutover validate} agree. Checked in as {@code docs/plan.schema.json}.
 */
public final class PlanSchema {

  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private static final ObjectMapper MAPPER = PlanJson.mapper();
  private static final String DURATION =
      "a duration: a number with a unit (ms, s, m, h, d) largest first, e.g. 250ms, 60s, 1m30s, 24h, 2d;"
          + " or ISO-8601 like PT1M";

  private final ObjectNode defs = JSON.objectNode();

  private PlanSchema() {}

  /** The schema as pretty-printed JSON with a trailing newline, byte for byte the checked-in file. */
  public static String generate() {
    PlanSchema schema = new PlanSchema();
    ObjectNode root = JSON.objectNode()
        .put("$schema", "https://json-schema.org/draft/2020-12/schema")
        .put("title", "cutover plan")
        .put("description", "One app move: see docs/plan.md. Generated from the plan records by PlanSchema.")
        .put("$ref", schema.reference(Plan.class).get("$ref").asText());
    root.set("$defs", schema.defs);
    try {
      return MAPPER.writer(printer()).writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e); // a tree of plain nodes always serializes
    }
  }

  /** Writes the schema to the given path, or to {@code docs/plan.schema.json} from the repository root. */
  public static void main(String[] args) throws IOException {
    Path out = Path.of(args.length > 0 ? args[0] : "docs/plan.schema.json");
    Files.writeString(out, generate(), StandardCharsets.UTF_8);
  }

  private static DefaultPrettyPrinter printer() {
    DefaultIndenter indenter = new DefaultIndenter("  ", "\n");
    return new DefaultPrettyPrinter()
        .withSeparators(Separators.createDefaultInstance()
            .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
            .withObjectEmptySeparator("")
            .withArrayEmptySeparator(""))
        .withObjectIndenter(indenter)
        .withArrayIndenter(indenter);
  }

  private ObjectNode schemaOf(Type type) {
    Class<?> raw = Model.raw(type);
    if (raw == TableSelection.class) {
      return tables();
    }
    if (raw == List.class) {
      return typed("array").set("items", schemaOf(Model.argument(type, 0)));
    }
    if (raw == Map.class) {
      return typed("object").set("additionalProperties", schemaOf(Model.argument(type, 1)));
    }
    if (raw.isRecord() || Model.isPolymorphic(raw)) {
      return reference(raw);
    }
    if (raw == Integer.class || raw == int.class) {
      return typed("integer");
    }
    if (raw == Boolean.class || raw == boolean.class) {
      return typed("boolean");
    }
    if (raw == Duration.class) {
      return reference("Duration", () -> typed("string").put("pattern", Durations.PATTERN).put("description", DURATION));
    }
    if (raw == URI.class) {
      return typed("string").put("format", "uri").put("pattern", "^[Hh][Tt][Tt][Pp][Ss]?://[^/?#]+");
    }
    if (raw.isEnum()) {
      ObjectNode schema = JSON.objectNode();
      Model.enumNames(raw).forEach(schema.putArray("enum")::add);
      return schema;
    }
    return typed("string");
  }

  private ObjectNode reference(Class<?> type) {
    return reference(type.getSimpleName(),
        () -> Model.isPolymorphic(type) ? polymorphic(type) : record(type, null, null));
  }

  /** A {@code $ref} to a definition, defining it on first use. */
  private ObjectNode reference(String name, Supplier<ObjectNode> definition) {
    if (!defs.has(name)) {
      defs.putObject(name); // claimed before it is built, so a definition may refer to itself
      defs.set(name, definition.get());
    }
    return JSON.objectNode().put("$ref", "#/$defs/" + name);
  }

  private ObjectNode polymorphic(Class<?> type) {
    ObjectNode schema = JSON.objectNode().put("description", "chosen by '" + Model.typeKey(type) + "': one of "
        + String.join(", ", Model.subtypes(type).keySet()));
    ArrayNode oneOf = schema.putArray("oneOf");
    Model.subtypes(type).forEach((name, subtype) -> {
      defs.set(subtype.getSimpleName(), record(subtype, Model.typeKey(type), name));
      oneOf.add(JSON.objectNode().put("$ref", "#/$defs/" + subtype.getSimpleName()));
    });
    return schema;
  }

  /** {@code typeKey} and {@code typeName} are the discriminator a subtype must carry, else null. */
  private ObjectNode record(Class<?> type, String typeKey, String typeName) {
    ObjectNode schema = typed("object");
    ObjectNode properties = schema.putObject("properties");
    ArrayNode required = schema.putArray("required");
    if (typeKey != null) {
      properties.putObject(typeKey).put("const", typeName);
      required.add(typeKey);
    }
    Map<String, JsonNode> defaults = defaults(type);
    for (Model.Field field : Model.fields(type)) {
      ObjectNode property = schemaOf(field.type());
      PlanRules.forField(field).schema().accept(property);
      if (defaults.containsKey(field.key())) {
        property.set("default", defaults.get(field.key()));
      }
      properties.set(field.key(), property);
      if (field.required()) {
        required.add(field.key());
      }
    }
    schema.put("additionalProperties", false);
    PlanRules.forRecord(type).schema().accept(schema);
    return schema;
  }

  /**
   * What the compact constructor fills in when every key is left out, read by building the record from
   * nulls: the defaults live in one place, the records, and the schema repeats them without copying.
   */
  private static Map<String, JsonNode> defaults(Class<?> type) {
    RecordComponent[] components = type.getRecordComponents();
    Class<?>[] types = Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new);
    Object empty;
    try {
      Constructor<?> constructor = type.getDeclaredConstructor(types);
      empty = constructor.newInstance(new Object[components.length]);
    } catch (ReflectiveOperationException e) {
      return Map.of(); // a record that refuses nulls has no defaults
    }
    ObjectNode values = MAPPER.valueToTree(empty);
    Map<String, JsonNode> defaults = new HashMap<>();
    for (Model.Field field : Model.fields(type)) {
      if (!field.required() && values.has(field.key())) {
        defaults.put(field.key(), values.get(field.key()));
      }
    }
    return defaults;
  }

  private ObjectNode tables() {
    ObjectNode schema = JSON.objectNode().put("description", "'all', or a list of table names (schema.table,"
        + " or table for public)");
    ArrayNode oneOf = schema.putArray("oneOf");
    oneOf.addObject().put("const", "all");
    oneOf.add(typed("array").put("minItems", 1).set("items", typed("string")));
    return schema;
  }

  private static ObjectNode typed(String type) {
    return JSON.objectNode().put("type", type);
  }
}
