package dev.cutover.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PlanSchemaTest {

  // Surefire runs in the module directory; the schema is a document of the repository, not a resource.
  private static final Path CHECKED_IN = Path.of("../docs/plan.schema.json");
  private static final Path GENERATED = Path.of("target/plan.schema.json");

  private final JsonNode schema = parse(PlanSchema.generate());

  @Test
  void checkedInSchemaIsTheGeneratedOne() throws IOException {
    String generated = PlanSchema.generate();
    PlanSchema.main(new String[] {GENERATED.toString()});
    String checkedIn = Files.exists(CHECKED_IN) ? Files.readString(CHECKED_IN, StandardCharsets.UTF_8) : "";

    assertEquals(generated, checkedIn, "docs/plan.schema.json differs from the plan records; to update it, run"
        + " from the repository root: cp workflows/target/plan.schema.json docs/plan.schema.json");
  }

  @Test
  void recordsAreClosedWithTheirRequiredKeys() {
    JsonNode box = schema.at("/$defs/Box");

    assertEquals(List.of("name", "database"), texts(box.get("required")));
    assertEquals(false, box.get("additionalProperties").asBoolean(true));
    assertEquals(List.of("name", "database", "host", "app", "writers", "jobs", "config", "artifact", "disk",
        "migrations", "nextJob", "overwrite"),
        names(box.get("properties")));
  }

  @Test
  void frontDoorIsOneOfItsTypes() {
    assertEquals(List.of("#/$defs/CloudflareTunnel", "#/$defs/Caddy", "#/$defs/Command"),
        schema.at("/$defs/FrontDoor/oneOf").findValuesAsText("$ref"));
    assertEquals("caddy", schema.at("/$defs/Caddy/properties/type/const").asText());
    assertEquals(List.of("type", "switch", "revert"), texts(schema.at("/$defs/Command/required")));
  }

  @Test
  void enumsDurationsAndDefaultsComeFromTheModel() {
    assertEquals(List.of("dump-restore", "logical"), texts(schema.at("/$defs/Copy/properties/strategy/enum")));
    assertEquals("#/$defs/Duration", schema.at("/$defs/Settle/properties/stableFor/$ref").asText());
    assertEquals(Durations.PATTERN, schema.at("/$defs/Duration/pattern").asText());
    assertEquals("0s", schema.at("/$defs/Settle/properties/stableFor/default").asText());
    assertEquals(20, schema.at("/$defs/Health/properties/consecutive/default").asInt());
    assertEquals(64, schema.at("/$defs/Copy/properties/jobs/maximum").asInt());
  }

  private static JsonNode parse(String json) {
    try {
      return new ObjectMapper().readTree(json);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<String> texts(JsonNode array) {
    return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
  }

  private static List<String> names(JsonNode object) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
