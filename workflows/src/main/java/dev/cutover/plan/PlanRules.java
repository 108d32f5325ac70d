package dev.cutover.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * What the plan means beyond its shape: the checks no type can express. Each rule also says what it adds
 * to the JSON Schema, so an editor warns about as much as {@code cutover validate} can.
 */
final class PlanRules {

  /** Returns the problem with a well-typed value, or null when there is none. */
  interface Check {
    String problem(JsonNode value);
  }

  record FieldRule(Check check, Consumer<ObjectNode> schema) {}

  /** Sees a whole record: {@code value} holds the keys that passed their own checks. */
  interface RecordCheck {
    void check(ObjectNode value, YamlNode.Mapping mapping, YamlPath path, Errors errors);
  }

  record RecordRule(RecordCheck check, Consumer<ObjectNode> schema) {}

  static final String SECRETS = "secrets are never written in the plan";

  private static final FieldRule NONE = new FieldRule(value -> null, schema -> {});

  // It becomes the workflow id cutover-<app> and the marker in the database: keep it a plain slug.
  private static final Pattern APP_NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
  private static final Pattern JDBC_URL = Pattern.compile(
      "jdbc:postgresql://(?:[A-Za-z0-9.-]+|\\[[0-9A-Fa-f:.]+\\])(?::[0-9]{1,5})?/[^/?#\\s]+(?:\\?[^#\\s]*)?");
  private static final Pattern URL_PASSWORD =
      Pattern.compile("//[^/@?]*:[^/@?]*@|[?&]password=", Pattern.CASE_INSENSITIVE);
  private static final Set<String> SECRET_KEYS = Set.of("password", "token", "apitoken", "apikey", "secret");

  private static final FieldRule COMMAND = new FieldRule(PlanRules::commandProblem,
      schema -> schema.put("minItems", 1)
          .put("description", "an argument list, run without a shell, e.g. [systemctl, stop, game]"));

  // Names as Caddy's admin API and Cloudflare see them; anything else would be quoted into a URL.
  private static final Pattern HOSTNAME = Pattern.compile(
      "(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");
  private static final Pattern UPSTREAM = Pattern.compile("(?:[A-Za-z0-9.-]+|\\[[0-9A-Fa-f:.]+\\]):[0-9]{1,5}");
  private static final Pattern CADDY_ID = Pattern.compile("[A-Za-z0-9_.-]{1,100}");

  // The entry is quoted in admin commands and matched in the file; keep it to what needs no escaping.
  private static final Pattern PGBOUNCER_ENTRY = Pattern.compile("[A-Za-z0-9_.-]{1,63}");
  private static final Pattern ABSOLUTE_PATH = Pattern.compile("/.+");
  private static final java.time.Duration MAX_PAUSE_TIMEOUT = DatabaseDoor.MAX_PAUSE_TIMEOUT;

  private static final FieldRule ARCH = new FieldRule(PlanRules::archProblem,
      schema -> schema.put("description", "a CPU architecture: " + Architectures.known()));

  private static final Map<Class<?>, Map<String, FieldRule>> FIELD_RULES = Map.ofEntries(
      Map.entry(Plan.class, Map.of("app", new FieldRule(PlanRules::appNameProblem,
          schema -> schema.put("pattern", "^" + APP_NAME.pattern() + "$")))),
      Map.entry(Database.class, Map.of("url", new FieldRule(PlanRules::jdbcUrlProblem,
          schema -> schema.put("pattern", "^" + JDBC_URL.pattern() + "$")))),
      Map.entry(Host.class, Map.of("port", range(1, 65535))),
      Map.entry(Service.class, Map.of("stop", COMMAND, "start", COMMAND)),
      Map.entry(NamedService.class, Map.of("stop", COMMAND, "start", COMMAND)),
      Map.entry(ServiceCheck.class, Map.of("command", COMMAND)),
      Map.entry(Artifact.class, Map.of("arch", ARCH, "archCommand", COMMAND)),
      Map.entry(Migrations.class, Map.of("pendingCommand", COMMAND)),
      Map.entry(FrontDoor.Command.class, Map.of("switch", COMMAND, "revert", COMMAND)),
      Map.entry(FrontDoor.CloudflareTunnel.class, Map.of("hostname", pattern(HOSTNAME, "a hostname, e.g. game.example.com"))),
      Map.entry(FrontDoor.Caddy.class, Map.of(
          "targetUpstream", pattern(UPSTREAM, "host:port, e.g. 10.0.0.9:8080"),
          "sourceUpstream", pattern(UPSTREAM, "host:port, e.g. 10.0.0.8:8080"),
          "routeId", pattern(CADDY_ID, "a Caddy @id: letters, digits, '_', '.' and '-'"))),
      Map.entry(DatabaseDoor.class, Map.of(
          "entry", pattern(PGBOUNCER_ENTRY, "a PgBouncer database name: letters, digits, '_', '.' and '-'"),
          "configFile", pattern(ABSOLUTE_PATH, "an absolute path to the PgBouncer file holding the entry"),
          "pauseTimeout", new FieldRule(PlanRules::pauseTimeoutProblem,
              schema -> schema.put("description", "at most " + Durations.format(MAX_PAUSE_TIMEOUT))))),
      Map.entry(Copy.class, Map.of("jobs", range(1, 64),
          "rollbackWindow", new FieldRule(PlanRules::rollbackWindowProblem,
              schema -> schema.put("description", "logical only; from " + Durations.format(Copy.LEAST_WINDOW)
                  + " to " + Durations.format(Copy.MOST_WINDOW))))),
      Map.entry(Freeze.class, Map.of("maxBlackout", new FieldRule(PlanRules::maxBlackoutProblem,
          schema -> schema.put("description", "from " + Durations.format(Freeze.LEAST) + " to "
              + Durations.format(Freeze.MOST) + "; below the front door's hold (Caddy: 30s)")))),
      Map.entry(Health.class, Map.of("consecutive", range(1, null))));

  /** Which key each way of reaching a box cannot do without. */
  private record ExecNeeds(String exec, String key) {}

  private static final List<ExecNeeds> EXEC_NEEDS =
      List.of(new ExecNeeds("ssh", "target"), new ExecNeeds("worker", "taskQueue"));

  // Keys that only mean something over ssh: given with another exec they would be silently ignored.
  private static final List<String> SSH_ONLY = List.of("identityFile", "port", "knownHostsFile");

  private static final Map<Class<?>, RecordRule> RECORD_RULES = Map.of(
      Plan.class, new RecordRule(PlanRules::distinctBoxes, schema -> {}),
      Box.class, new RecordRule(PlanRules::uniqueServiceNames, schema -> {}),
      Host.class, new RecordRule(PlanRules::execNeeds, PlanRules::execNeedsSchema),
      ServiceCheck.class, exactlyOne(List.of("command", "url"), null),
      Artifact.class, exactlyOne(List.of("arch", "binary", "archCommand"),
          "an image reference cannot be inspected without asking a registry"),
      Database.class, secretReference("password", false),
      DatabaseDoor.class, new RecordRule(PlanRules::adminConsole, schema -> {}),
      Copy.class, new RecordRule(PlanRules::windowNeedsLogical, schema -> {}),
      FrontDoor.CloudflareTunnel.class, both(secretReference("token", true),
          new RecordRule(PlanRules::modeNeeds, PlanRules::modeNeedsSchema)));

  /** Which keys each Cloudflare mode cannot do without; the other mode's keys would be ignored. */
  private record ModeNeeds(String mode, List<String> keys, String source, String target) {}

  private static final List<ModeNeeds> MODE_NEEDS = List.of(
      new ModeNeeds("ingress", List.of("tunnelId", "sourceService", "targetService"), "sourceService", "targetService"),
      new ModeNeeds("dns", List.of("zoneId", "sourceTunnelId", "targetTunnelId"), "sourceTunnelId", "targetTunnelId"));

  private PlanRules() {}

  static FieldRule forField(Model.Field field) {
    return FIELD_RULES.getOrDefault(field.owner(), Map.of()).getOrDefault(field.key(), NONE);
  }

  static RecordRule forRecord(Class<?> record) {
    return RECORD_RULES.getOrDefault(record, new RecordRule((v, m, p, e) -> {}, schema -> {}));
  }

  /** Settling may be instant; every other wait, interval and timeout must be longer than zero. */
  static boolean mayBeZero(Model.Field field) {
    return field != null && field.owner() == Settle.class && field.key().equals("stableFor");
  }

  /** The error for a key that looks like an inline secret, or null when the key is not one. */
  static String secretKeyProblem(String key, Collection<String> knownKeys) {
    if (!SECRET_KEYS.contains(key.replaceAll("[-_]", "").toLowerCase(Locale.ROOT))) {
      return null;
    }
    return List.of("password", "token").stream()
        .filter(prefix -> knownKeys.contains(prefix + "Env"))
        .findFirst()
        .map(PlanRules::whereSecretsLive)
        .orElse(SECRETS + ": the worker reads them from its environment or from a file on its box");
  }

  private static String whereSecretsLive(String prefix) {
    return SECRETS + ": name where it lives with " + prefix + "Env (an environment variable) or "
        + prefix + "File (a file)";
  }

  private static String appNameProblem(JsonNode app) {
    if (!APP_NAME.matcher(app.asText()).matches()) {
      return "'" + app.asText() + "' is not a valid app name: use 1 to 63 lowercase letters, digits and '-',"
          + " starting with a letter or digit (it names the workflow cutover-<app>)";
    }
    // The fleet NAME runs as cutover-fleet-NAME: an app named fleet-NAME would take the same workflow id.
    if (app.asText().startsWith("fleet-")) {
      return "'" + app.asText() + "' is not a valid app name: names starting with 'fleet-' are kept for fleets"
          + " (the fleet NAME runs as the workflow cutover-fleet-NAME)";
    }
    // Likewise the watcher of a fallback kept current (copy.rollbackWindow) runs as cutover-fallback-APP.
    return app.asText().startsWith("fallback-") ? "'" + app.asText() + "' is not a valid app name: names starting"
        + " with 'fallback-' are kept for the watchers of kept fallbacks (app NAME's runs as the workflow"
        + " cutover-fallback-NAME)" : null;
  }

  private static String jdbcUrlProblem(JsonNode url) {
    if (URL_PASSWORD.matcher(url.asText()).find()) {
      return "the URL carries a password; " + whereSecretsLive("password");
    }
    return JDBC_URL.matcher(url.asText()).matches() ? null
        : "expected a JDBC URL jdbc:postgresql://host[:port]/dbname[?params]; got '" + url.asText() + "'";
  }

  private static String maxBlackoutProblem(JsonNode value) {
    try {
      java.time.Duration budget = Durations.parse(value.asText());
      return budget.compareTo(Freeze.LEAST) >= 0 && budget.compareTo(Freeze.MOST) <= 0 ? null
          : "from " + Durations.format(Freeze.LEAST) + " to " + Durations.format(Freeze.MOST)
              + ": a freeze cannot be shorter than its steps, and an hour without writes is not a blackout of seconds";
    } catch (IllegalArgumentException e) {
      return null; // reported by the duration check already
    }
  }

  private static String rollbackWindowProblem(JsonNode value) {
    try {
      java.time.Duration window = Durations.parse(value.asText());
      return window.compareTo(Copy.LEAST_WINDOW) >= 0 && window.compareTo(Copy.MOST_WINDOW) <= 0 ? null
          : "from " + Durations.format(Copy.LEAST_WINDOW) + " to " + Durations.format(Copy.MOST_WINDOW)
              + ": the reverse stream's slot keeps the new box's WAL for as long as the window lasts";
    } catch (IllegalArgumentException e) {
      return null; // reported by the duration check already
    }
  }

  /** The reverse stream is logical replication: after a dump-restore nothing could keep the old box current. */
  private static void windowNeedsLogical(ObjectNode copy, YamlNode.Mapping mapping, YamlPath path, Errors errors) {
    if (copy.has("rollbackWindow") && !"logical".equals(copy.path("strategy").asText("dump-restore"))) {
      errors.add(lineOf(mapping, "rollbackWindow"), path.key("rollbackWindow"), "a rollback window keeps the old box"
          + " current by logical replication from the new one: it needs copy.strategy: logical");
    }
  }

  private static String pauseTimeoutProblem(JsonNode value) {
    try {
      return Durations.parse(value.asText()).compareTo(MAX_PAUSE_TIMEOUT) <= 0 ? null
          : "at most " + Durations.format(MAX_PAUSE_TIMEOUT) + ": clients are held for the whole PAUSE";
    } catch (IllegalArgumentException e) {
      return null; // reported by the duration check already
    }
  }

  // PgBouncer's admin console is its virtual database "pgbouncer"; any other name is an ordinary pool.
  private static void adminConsole(ObjectNode door, YamlNode.Mapping mapping, YamlPath path, Errors errors) {
    String url = door.path("admin").path("url").asText(null);
    if (url != null && !url.replaceFirst("\\?.*$", "").endsWith("/pgbouncer")) {
      errors.add(lineOf(mapping, "admin", "url"), path.key("admin").key("url"),
          "the admin console is the database named pgbouncer, e.g. jdbc:postgresql://10.0.0.5:6432/pgbouncer; got '"
              + url + "'");
    }
  }

  private static String commandProblem(JsonNode command) {
    if (command.isEmpty()) {
      return "an empty command: leave the key out when there is nothing to run";
    }
    if (command.size() == 1 && command.get(0).asText().contains(" ")) {
      return "give the command as an argument list, e.g. [systemctl, stop, game]: cutover never runs a shell";
    }
    return null;
  }

  private static FieldRule range(int min, Integer max) {
    Check check = value -> value.asInt() >= min && (max == null || value.asInt() <= max) ? null
        : max == null ? "must be at least " + min : "must be between " + min + " and " + max;
    return new FieldRule(check, schema -> {
      schema.put("minimum", min);
      if (max != null) {
        schema.put("maximum", max);
      }
    });
  }

  private static void distinctBoxes(ObjectNode plan, YamlNode.Mapping mapping, YamlPath path, Errors errors) {
    String source = plan.path("source").path("name").asText(null);
    if (source != null && source.equals(plan.path("target").path("name").asText(null))) {
      errors.add(lineOf(mapping, "target", "name"), path.key("target").key("name"),
          "the target must be another box than the source: both are named '" + source + "'");
    }
  }

  // Status and reports name writers and jobs: a name used twice on one box would be ambiguous.
  private static void uniqueServiceNames(ObjectNode box, YamlNode.Mapping mapping, YamlPath path, Errors errors) {
    Map<String, YamlPath> seen = new HashMap<>();
    for (String list : List.of("writers", "jobs")) {
      JsonNode services = box.path(list);
      for (int i = 0; i < services.size(); i++) {
        String name = services.get(i).path("name").asText();
        YamlPath at = path.key(list).index(i).key("name");
        YamlPath first = seen.putIfAbsent(name, at);
        if (first != null) {
          errors.add(lineOf(mapping, list, i, "name"), at,
              "the name '" + name + "' is already used by " + first + ": names must be unique on a box");
        }
      }
    }
  }

  private static void execNeeds(ObjectNode host, YamlNode.Mapping mapping, YamlPath path, Errors errors) {
    sshOnly(host, mapping, path, errors);
    for (ExecNeeds needs : EXEC_NEEDS) {
      if (needs.exec().equals(host.path("exec").asText()) && !host.hasNonNull(needs.key())) {
        errors.add(mapping.line(), path.key(needs.key()), "required when exec is " + needs.exec());
      }
    }
  }

  private static void execNeedsSchema(ObjectNode schema) {
    ArrayNode all = schema.putArray("allOf");
    for (ExecNeeds needs : EXEC_NEEDS) {
      ObjectNode rule = all.addObject();
      ObjectNode condition = rule.putObject("if");
      condition.putObject("properties").putObject("exec").put("const", needs.exec());
      condition.putArray("required").add("exec");
      rule.putObject("then").putArray("required").add(needs.key());
    }
    ObjectNode notSsh = all.addObject();
    notSsh.putObject("if").putObject("properties").putObject("exec").putObject("not").put("const", "ssh");
    ObjectNode forbidden = notSsh.putObject("then").putObject("properties");
    SSH_ONLY.forEach(key -> forbidden.put(key, false));
  }

  private static void sshOnly(ObjectNode host, YamlNode.Mapping mapping, YamlPath path, Errors errors) {
    String exec = host.path("exec").asText(null);
    if (exec == null || exec.equals("ssh")) {
      return;
    }
    for (String key : SSH_ONLY) {
      if (given(mapping, key)) {
        errors.add(lineOf(mapping, key), path.key(key), "only used when exec is ssh, not " + exec);
      }
    }
  }

  /**
   * Exactly one of {@code keys}. {@code why} explains the choice when none is given, or is null. A key
   * given with a wrong value counts as given, so its own error is not followed by "give one of".
   */
  private static RecordRule exactlyOne(List<String> keys, String why) {
    String choices = String.join(", ", keys.subList(0, keys.size() - 1)) + " or " + keys.get(keys.size() - 1);
    RecordCheck check = (value, mapping, path, errors) -> {
      List<String> given = keys.stream().filter(key -> given(mapping, key)).toList();
      if (given.isEmpty()) {
        errors.add(mapping.line(), path.key(keys.get(0)),
            (why == null ? "" : why + ": ") + "give one of " + choices);
      } else if (given.size() > 1) {
        errors.add(lineOf(mapping, given.get(1)), path.key(given.get(1)),
            "give one of " + choices + ", not both " + given.get(0) + " and " + given.get(1));
      }
    };
    return new RecordRule(check, schema -> {
      ArrayNode oneOf = schema.putArray("oneOf");
      keys.forEach(key -> oneOf.addObject().putArray("required").add(key));
    });
  }

  private static boolean given(YamlNode.Mapping mapping, String key) {
    YamlNode.Entry entry = mapping.get(key);
    return entry != null && !(entry.value() instanceof YamlNode.Scalar scalar && scalar.isNull());
  }

  private static String archProblem(JsonNode arch) {
    return Architectures.normalise(arch.asText()) != null ? null
        : "'" + arch.asText() + "' is not a CPU architecture cutover knows: use one of " + Architectures.known();
  }

  private static FieldRule pattern(Pattern pattern, String expected) {
    return new FieldRule(
        value -> pattern.matcher(value.asText()).matches() ? null
            : "expected " + expected + "; got '" + value.asText() + "'",
        schema -> schema.put("pattern", "^" + pattern.pattern() + "$"));
  }

  private static RecordRule both(RecordRule first, RecordRule second) {
    return new RecordRule((value, mapping, path, errors) -> {
      first.check().check(value, mapping, path, errors);
      second.check().check(value, mapping, path, errors);
    }, schema -> {
      first.schema().accept(schema);
      second.schema().accept(schema);
    });
  }

  private static void modeNeeds(ObjectNode door, YamlNode.Mapping mapping, YamlPath path, Errors errors) {
    if (mapping.get("mode") != null && !door.has("mode")) {
      return; // an unknown mode is reported already; its keys cannot be judged
    }
    String mode = door.path("mode").asText("ingress");
    for (ModeNeeds needs : MODE_NEEDS) {
      for (String key : needs.keys()) {
        if (needs.mode().equals(mode) && !door.hasNonNull(key) && isAbsent(mapping, key)) {
          errors.add(mapping.line(), path.key(key), "required when mode is " + needs.mode());
        } else if (!needs.mode().equals(mode) && mapping.get(key) != null) {
          errors.add(lineOf(mapping, key), path.key(key), "only used when mode is " + needs.mode()
              + "; this front door has mode " + mode);
        }
      }
      String source = door.path(needs.source()).asText(null);
      if (needs.mode().equals(mode) && source != null && source.equals(door.path(needs.target()).asText(null))) {
        errors.add(lineOf(mapping, needs.target()), path.key(needs.target()),
            needs.source() + " and " + needs.target() + " are the same: the switch would move nothing");
      }
    }
  }

  // A key given with an error of its own is reported once, not again as missing.
  private static boolean isAbsent(YamlNode.Mapping mapping, String key) {
    return mapping.get(key) == null
        || mapping.get(key).value() instanceof YamlNode.Scalar scalar && scalar.isNull();
  }

  private static void modeNeedsSchema(ObjectNode schema) {
    ArrayNode all = schema.putArray("allOf");
    for (ModeNeeds needs : MODE_NEEDS) {
      ObjectNode rule = all.addObject();
      ObjectNode condition = rule.putObject("if");
      condition.putObject("properties").putObject("mode").put("const", needs.mode());
      if (!needs.mode().equals("ingress")) {
        condition.putArray("required").add("mode"); // ingress is the default: no mode means ingress
      }
      ObjectNode then = rule.putObject("then");
      ArrayNode required = then.putArray("required");
      needs.keys().forEach(required::add);
      ArrayNode others = then.putObject("not").putArray("anyOf");
      MODE_NEEDS.stream().filter(other -> other != needs).flatMap(other -> other.keys().stream())
          .forEach(key -> others.addObject().putArray("required").add(key));
    }
  }

  /** A secret named by {@code <prefix>Env} or {@code <prefix>File}: never both, and one if required. */
  private static RecordRule secretReference(String prefix, boolean required) {
    String env = prefix + "Env";
    String file = prefix + "File";
    RecordCheck check = (value, mapping, path, errors) -> {
      if (value.hasNonNull(env) && value.hasNonNull(file)) {
        errors.add(lineOf(mapping, file), path.key(file), "give " + env + " or " + file + ", not both");
      } else if (required && !value.hasNonNull(env) && !value.hasNonNull(file)) {
        errors.add(mapping.line(), path.key(env), "the " + prefix + " is required: name where it lives with "
            + env + " (an environment variable) or " + file + " (a file)");
      }
    };
    return new RecordRule(check, schema -> {
      if (required) {
        ArrayNode oneOf = schema.putArray("oneOf");
        oneOf.addObject().putArray("required").add(env);
        oneOf.addObject().putArray("required").add(file);
      } else {
        schema.putObject("not").set("required", JsonNodeFactory.instance.arrayNode().add(env).add(file));
      }
    });
  }

  /** The line of the node reached by keys and list indexes, or of the last step that exists. */
  private static int lineOf(YamlNode node, Object... steps) {
    int line = node.line();
    for (Object step : steps) {
      if (step instanceof String key && node instanceof YamlNode.Mapping mapping && mapping.get(key) != null) {
        line = mapping.get(key).line();
        node = mapping.get(key).value();
      } else if (step instanceof Integer i && node instanceof YamlNode.Sequence list && i < list.items().size()) {
        node = list.items().get(i);
        line = node.line();
      }
    }
    return line;
  }
}
