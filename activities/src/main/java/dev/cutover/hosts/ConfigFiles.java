package dev.cutover.hosts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.cutover.workflow.CutoverFailure;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads an app config file into key names and value hashes. Values exist only inside {@link #hashes} and
 * are never put into a message: a parse error names the file and line, never the text.
 */
final class ConfigFiles {

  record Hashed(String format, SortedMap<String, String> valueHashes, int skippedLines) {}

  private static final Pattern SETTING =
      Pattern.compile("^(?:export\\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\\s*=\\s*(.*)$");

  private ConfigFiles() {}

  static String format(String file) {
    String name = file.toLowerCase(Locale.ROOT);
    if (name.endsWith(".json")) {
      return "json";
    }
    return name.endsWith(".yaml") || name.endsWith(".yml") ? "yaml" : "dotenv";
  }

  static Hashed hashes(String file, byte[] content, String salt) {
    String format = format(file);
    String text = new String(content, StandardCharsets.UTF_8);
    SortedMap<String, String> values = new TreeMap<>();
    int skipped = switch (format) {
      case "json" -> tree(file, text, new ObjectMapper(), values);
      case "yaml" -> tree(file, text, new YAMLMapper(), values);
      default -> dotenv(text, values);
    };
    values.replaceAll((key, value) -> sha256(salt, value));
    return new Hashed(format, values, skipped);
  }

  /** {@code KEY=value} lines as a shell or a dotenv loader reads them; returns how many lines were neither. */
  static int dotenv(String text, Map<String, String> values) {
    int skipped = 0;
    for (String raw : text.split("\\R")) {
      String line = raw.strip();
      if (line.startsWith("\uFEFF")) {
        line = line.substring(1);
      }
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      Matcher m = SETTING.matcher(line);
      if (!m.matches()) {
        skipped++;
        continue;
      }
      values.put(m.group(1), dotenvValue(m.group(2)));
    }
    return skipped;
  }

  // Quoted and unquoted spellings of one value compare equal: A="x" and A=x configure the same thing.
  private static String dotenvValue(String v) {
    if (v.startsWith("'")) {
      int end = v.indexOf('\'', 1);
      return end < 0 ? v.substring(1) : v.substring(1, end);
    }
    if (v.startsWith("\"")) {
      StringBuilder out = new StringBuilder();
      for (int i = 1; i < v.length(); i++) {
        char c = v.charAt(i);
        if (c == '"') {
          break;
        }
        if (c == '\\' && i + 1 < v.length()) {
          char next = v.charAt(++i);
          out.append(next == 'n' ? '\n' : next);
        } else {
          out.append(c);
        }
      }
      return out.toString();
    }
    int comment = v.indexOf(" #");
    return (comment < 0 ? v : v.substring(0, comment)).strip();
  }

  private static int tree(String file, String text, ObjectMapper mapper, Map<String, String> values) {
    JsonNode root;
    try {
      root = mapper.readTree(text);
    } catch (IOException e) {
      // Jackson's message may quote the text around the error: only its location is safe to show.
      String at = e instanceof JsonProcessingException p && p.getLocation() != null
          ? " at line " + p.getLocation().getLineNr() : "";
      throw CutoverFailure.COMMAND_FAILED.failure("config file " + file + " is not valid " + format(file) + at);
    }
    flatten("", root, values);
    return 0;
  }

  private static void flatten(String prefix, JsonNode node, Map<String, String> values) {
    if (node == null || node.isMissingNode()) {
      return;
    }
    if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        flatten(prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey(), field.getValue(), values);
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        flatten(prefix + "[" + i + "]", node.get(i), values);
      }
    } else {
      values.put(prefix, node.isNull() ? "null" : node.asText());
    }
  }

  static String sha256(String salt, String value) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      if (salt != null) {
        digest.update(salt.getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
      }
      return HexFormat.of().formatHex(digest.digest(value.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e); // every JVM has SHA-256
    }
  }
}
