package dev.cutover.plan;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Reads a plan from YAML text. It is handed the text; it opens no files. Jackson binds only a plan that
 * has passed every check, because Jackson stops at the first problem and does not know lines by path.
 */
public final class PlanParser {

  private static final ObjectMapper MAPPER = PlanJson.mapper();

  private PlanParser() {}

  /**
   * @param fileName how errors name the file, e.g. the path the operator typed
   * @throws PlanException listing every problem found, each with its line and YAML path
   */
  public static Plan parse(String yaml, String fileName) throws PlanException {
    Errors errors = new Errors(fileName);
    YamlNode root = new YamlReader(errors).read(yaml);
    JsonNode json = root == null ? null : new PlanValidator(errors).plan(root);
    if (errors.count() > 0) {
      throw new PlanException(errors.list());
    }
    try {
      return MAPPER.treeToValue(json, Plan.class);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a plan that passed validation did not bind: " + e.getOriginalMessage(), e);
    }
  }
}
