package dev.cutover.plan;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.util.List;

/** Reads a plan from YAML text. It is handed the text; it opens no files. */
public final class PlanParser {

  private PlanParser() {}

  public static Plan parse(String yaml, String fileName) throws PlanException {
    ObjectMapper mapper = new ObjectMapper(new YAMLFactory())
        .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
    try {
      return mapper.readValue(yaml, Plan.class);
    } catch (Exception e) {
      throw new PlanException(List.of(new PlanError(fileName, 0, "", e.getMessage())));
    }
  }
}
