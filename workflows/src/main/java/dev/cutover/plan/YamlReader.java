package dev.cutover.plan;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads YAML text into located nodes with Jackson's streaming parser. Duplicate keys are reported here,
 * because once the text is a map the second value has silently replaced the first.
 */
final class YamlReader {

  private static final YAMLFactory YAML = new YAMLFactory();

  private final Errors errors;

  YamlReader(Errors errors) {
    this.errors = errors;
  }

  /** The root node, or null when the text is empty or not YAML (the reason is already in errors). */
  YamlNode read(String text) {
    try (JsonParser parser = YAML.createParser(text)) {
      if (parser.nextToken() == null) {
        errors.add(1, YamlPath.ROOT, "the plan is empty");
        return null;
      }
      YamlNode root = value(parser, YamlPath.ROOT, line(parser));
      if (parser.nextToken() != null) {
        errors.add(line(parser), YamlPath.ROOT, "a plan file holds one YAML document; found a second");
      }
      return root;
    } catch (JsonProcessingException e) {
      errors.add(e.getLocation() == null ? 0 : e.getLocation().getLineNr(), YamlPath.ROOT,
          "not valid YAML: " + problem(e));
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException(e); // reading a String does no I/O
    }
  }

  /** {@code line} is where the value is named: its key's line, so a block mapping points at its key. */
  private YamlNode value(JsonParser parser, YamlPath path, int line) throws IOException {
    if (parser instanceof YAMLParser yaml && yaml.isCurrentAlias()) {
      // Jackson hands an alias over as its name, which would surface as a baffling type error.
      errors.add(line(parser), path, "anchors and aliases (*" + parser.getText() + ") are not supported:"
          + " write the value out");
      return new YamlNode.Scalar(line(parser), parser.getText(), YamlNode.Kind.ALIAS);
    }
    return switch (parser.currentToken()) {
      case START_OBJECT -> mapping(parser, path, line);
      case START_ARRAY -> sequence(parser, path, line);
      case VALUE_STRING -> scalar(parser, YamlNode.Kind.STRING);
      case VALUE_NUMBER_INT -> scalar(parser, YamlNode.Kind.INTEGER);
      case VALUE_NUMBER_FLOAT -> scalar(parser, YamlNode.Kind.FLOAT);
      case VALUE_TRUE, VALUE_FALSE -> scalar(parser, YamlNode.Kind.BOOLEAN);
      case VALUE_NULL -> scalar(parser, YamlNode.Kind.NULL);
      default -> throw new IllegalStateException("unexpected YAML token " + parser.currentToken());
    };
  }

  private YamlNode.Mapping mapping(JsonParser parser, YamlPath path, int line) throws IOException {
    Map<String, YamlNode.Entry> entries = new LinkedHashMap<>();
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String key = parser.currentName();
      int keyLine = line(parser);
      parser.nextToken();
      YamlNode.Entry entry = new YamlNode.Entry(key, keyLine, value(parser, path.key(key), keyLine));
      YamlNode.Entry first = entries.putIfAbsent(key, entry);
      if (first != null) {
        errors.add(keyLine, path.key(key), "duplicate key '" + key + "' (first at line " + first.line() + ")");
      }
    }
    return new YamlNode.Mapping(line, entries);
  }

  private YamlNode.Sequence sequence(JsonParser parser, YamlPath path, int line) throws IOException {
    List<YamlNode> items = new ArrayList<>();
    while (parser.nextToken() != JsonToken.END_ARRAY) {
      items.add(value(parser, path.index(items.size()), line(parser)));
    }
    return new YamlNode.Sequence(line, items);
  }

  private static YamlNode.Scalar scalar(JsonParser parser, YamlNode.Kind kind) throws IOException {
    return new YamlNode.Scalar(line(parser), parser.getText(), kind);
  }

  private static int line(JsonParser parser) {
    return parser.currentTokenLocation().getLineNr();
  }

  /** SnakeYAML's own words for the problem, without its multi-line excerpt of the text. */
  private static String problem(JsonProcessingException e) {
    if (e.getCause() instanceof MarkedYAMLException marked && marked.getProblem() != null) {
      return marked.getProblem();
    }
    String text = e.getOriginalMessage() == null ? "unreadable" : e.getOriginalMessage().strip();
    int newline = text.indexOf('\n');
    return newline < 0 ? text : text.substring(0, newline);
  }
}
