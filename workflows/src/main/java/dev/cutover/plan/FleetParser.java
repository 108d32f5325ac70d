package dev.cutover.plan;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a fleet file: {@code fleet} (its name), {@code maxConcurrent}, {@code confirm} and {@code plans}, a
 * list of plan files relative to the fleet file. Errors in the fleet file name the fleet file, the YAML path
 * and the line; errors inside a listed plan are that plan's own, naming the plan file. Every error of every
 * file is collected, so the operator fixes them in one pass.
 */
public final class FleetParser {

  /** The key that makes a file a fleet file rather than a plan (a plan has {@code app} instead). */
  public static final String FLEET_KEY = "fleet";

  private static final Set<String> KEYS = Set.of(FLEET_KEY, "maxConcurrent", "confirm", "plans");
  private static final List<String> KEY_ORDER = List.of(FLEET_KEY, "maxConcurrent", "confirm", "plans");
  // It becomes the workflow id cutover-fleet-<name>: the same slug an app name is.
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

  private FleetParser() {}

  /** True when the text's top-level mapping has a {@code fleet} key; unreadable text is not a fleet. */
  public static boolean isFleet(String yaml) {
    YamlNode root = new YamlReader(new Errors("")).read(yaml);
    return root instanceof YamlNode.Mapping mapping && mapping.get(FLEET_KEY) != null;
  }

  /**
   * @param fileName how errors name the fleet file, e.g. the path the operator typed
   * @throws PlanException every problem in the fleet file and in the plans it lists
   */
  public static Fleet parse(String yaml, String fileName, PlanSource plans) throws PlanException {
    Errors errors = new Errors(fileName);
    List<PlanError> planErrors = new ArrayList<>();
    YamlNode root = new YamlReader(errors).read(yaml);
    Fleet fleet = null;
    if (root instanceof YamlNode.Mapping mapping) {
      fleet = new Reading(errors, planErrors, plans).fleet(mapping);
    } else if (root != null) {
      errors.add(root.line(), YamlPath.ROOT, "expected a mapping of keys (fleet, maxConcurrent, confirm, plans) at"
          + " the top of the fleet file, found " + root.describe());
    }
    if (errors.count() > 0 || !planErrors.isEmpty()) {
      List<PlanError> all = new ArrayList<>(errors.list());
      all.addAll(planErrors);
      throw new PlanException(all);
    }
    return fleet;
  }

  /** One pass over one fleet file: each method records what is wrong and carries on. */
  private record Reading(Errors errors, List<PlanError> planErrors, PlanSource source) {

    Fleet fleet(YamlNode.Mapping mapping) {
      for (YamlNode.Entry entry : mapping.entries().values()) {
        if (!KEYS.contains(entry.key())) {
          String hint = PlanValidator.closest(entry.key(), KEY_ORDER).map(k -> ": did you mean '" + k + "'?")
              .orElse(" (known keys: " + String.join(", ", KEY_ORDER) + ")");
          String plan = Set.of("app", "source", "target").contains(entry.key())
              ? ": a fleet file lists plan files under 'plans'; an app's plan is a file of its own" : hint;
          errors.add(entry.line(), YamlPath.ROOT.key(entry.key()), "unknown key '" + entry.key() + "'" + plan);
        }
      }
      String name = name(mapping);
      int maxConcurrent = maxConcurrent(mapping.get("maxConcurrent"));
      FleetConfirm confirm = confirm(mapping.get("confirm"));
      List<Plan> plans = plans(mapping);
      return new Fleet(name, maxConcurrent, confirm, plans);
    }

    private String name(YamlNode.Mapping mapping) {
      YamlNode.Entry entry = mapping.get(FLEET_KEY);
      YamlPath path = YamlPath.ROOT.key(FLEET_KEY);
      if (entry == null || entry.value() instanceof YamlNode.Scalar s && s.isNull()) {
        errors.add(entry == null ? mapping.line() : entry.line(), path, "missing required key 'fleet' (the fleet's name)");
        return null;
      }
      if (!(entry.value() instanceof YamlNode.Scalar scalar) || scalar.kind() == YamlNode.Kind.ALIAS) {
        wrongType(entry, path, "a string");
        return null;
      }
      if (!NAME.matcher(scalar.text()).matches()) {
        errors.add(entry.line(), path, "'" + scalar.text() + "' is not a valid fleet name: use 1 to 63 lowercase"
            + " letters, digits and '-', starting with a letter or digit (it names the workflow cutover-fleet-<name>)");
        return null;
      }
      return scalar.text();
    }

    private int maxConcurrent(YamlNode.Entry entry) {
      if (entry == null || entry.value() instanceof YamlNode.Scalar s && s.isNull()) {
        return Fleet.DEFAULT_MAX_CONCURRENT;
      }
      YamlPath path = YamlPath.ROOT.key("maxConcurrent");
      if (!(entry.value() instanceof YamlNode.Scalar scalar) || scalar.kind() != YamlNode.Kind.INTEGER) {
        wrongType(entry, path, "a whole number");
        return Fleet.DEFAULT_MAX_CONCURRENT;
      }
      int n;
      try {
        n = Integer.parseInt(scalar.text());
      } catch (NumberFormatException e) {
        errors.add(entry.line(), path, "'" + scalar.text() + "' is too large a number");
        return Fleet.DEFAULT_MAX_CONCURRENT;
      }
      if (n < 1) {
        errors.add(entry.line(), path, "must be at least 1 (how many apps may be past their confirm gates at once)");
      }
      return n;
    }

    private FleetConfirm confirm(YamlNode.Entry entry) {
      if (entry == null || entry.value() instanceof YamlNode.Scalar s && s.isNull()) {
        return FleetConfirm.BATCH;
      }
      YamlPath path = YamlPath.ROOT.key("confirm");
      if (entry.value() instanceof YamlNode.Scalar scalar && scalar.kind() == YamlNode.Kind.STRING) {
        List<String> names = Model.enumNames(FleetConfirm.class); // as written in YAML, in declaration order
        int index = names.indexOf(scalar.text());
        if (index >= 0) {
          return FleetConfirm.values()[index];
        }
        errors.add(entry.line(), path, "unknown value '" + scalar.text() + "' (allowed: " + String.join(", ", names) + ")");
        return FleetConfirm.BATCH;
      }
      wrongType(entry, path, "batch or each");
      return FleetConfirm.BATCH;
    }

    private List<Plan> plans(YamlNode.Mapping mapping) {
      YamlNode.Entry entry = mapping.get("plans");
      YamlPath path = YamlPath.ROOT.key("plans");
      if (entry == null || entry.value() instanceof YamlNode.Scalar s && s.isNull()) {
        errors.add(entry == null ? mapping.line() : entry.line(), path,
            "missing required key 'plans' (a list of plan files, relative to the fleet file)");
        return List.of();
      }
      if (!(entry.value() instanceof YamlNode.Sequence list)) {
        wrongType(entry, path, "a list of plan files");
        return List.of();
      }
      if (list.items().isEmpty()) {
        errors.add(entry.line(), path, "lists no plan file: a fleet moves at least one app");
        return List.of();
      }
      List<Plan> plans = new ArrayList<>();
      Map<String, Integer> firstPath = new HashMap<>();
      Map<String, String> firstApp = new HashMap<>();
      for (int i = 0; i < list.items().size(); i++) {
        YamlNode item = list.items().get(i);
        YamlPath at = path.index(i);
        if (!(item instanceof YamlNode.Scalar scalar) || scalar.kind() != YamlNode.Kind.STRING) {
          if (!(item instanceof YamlNode.Scalar s && s.kind() == YamlNode.Kind.ALIAS)) {
            errors.add(item.line(), at, "expected the path of a plan file, found " + item.describe());
          }
          continue;
        }
        Integer seen = firstPath.putIfAbsent(scalar.text(), i);
        if (seen != null) {
          errors.add(item.line(), at, "'" + scalar.text() + "' is listed twice (first as plans[" + seen + "])");
          continue;
        }
        Plan plan = plan(scalar, at);
        if (plan == null) {
          continue;
        }
        String other = firstApp.putIfAbsent(plan.app(), at + " (" + scalar.text() + ")");
        if (other != null) {
          errors.add(item.line(), at, "app '" + plan.app() + "' is already in the fleet, from " + other
              + ": each app moves once per fleet");
          continue;
        }
        plans.add(plan);
      }
      return plans;
    }

    /** One listed plan, parsed; its own errors name its own file. */
    private Plan plan(YamlNode.Scalar item, YamlPath at) {
      PlanSource.Text text;
      try {
        text = source.read(item.text());
      } catch (PlanSource.Unreadable e) {
        errors.add(item.line(), at, item.text() + ": " + e.getMessage());
        return null;
      }
      try {
        return PlanParser.parse(text.yaml(), text.fileName());
      } catch (PlanException e) {
        planErrors.addAll(e.errors());
        errors.add(item.line(), at, text.fileName() + ": " + e.errors().size()
            + (e.errors().size() == 1 ? " error" : " errors") + " in the plan (listed below)");
        return null;
      }
    }

    private void wrongType(YamlNode.Entry entry, YamlPath path, String expected) {
      errors.add(entry.line(), path, "expected " + expected + ", found " + entry.value().describe());
    }
  }
}
