package dev.cutover.plan;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/** Reads a plan from YAML text. It is handed the text; it opens no files. */
public final class PlanParser {

  private PlanParser() {}

  public static Plan parse(String yaml, String fileName) throws PlanException {
    SimpleModule durations = new SimpleModule().addDeserializer(Duration.class, new JsonDeserializer<>() {
      @Override
      public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
        String text = p.getValueAsString().trim();
        long n = Long.parseLong(text.replaceAll("[a-z]+$", ""));
        String unit = text.replaceAll("^[0-9]+", "");
        return switch (unit) {
          case "ms" -> Duration.ofMillis(n);
          case "s" -> Duration.ofSeconds(n);
          case "m" -> Duration.ofMinutes(n);
          case "h" -> Duration.ofHours(n);
          default -> throw new IOException("bad duration " + text);
        };
      }
    });
    ObjectMapper mapper = new ObjectMapper(new YAMLFactory())
        .registerModule(durations)
        .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
    try {
      return mapper.readValue(yaml, Plan.class);
    } catch (Exception e) {
      throw new PlanException(List.of(new PlanError(fileName, 0, "", e.getMessage())));
    }
  }
}
