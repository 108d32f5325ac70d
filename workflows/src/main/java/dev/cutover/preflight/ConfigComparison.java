package dev.cutover.preflight;

import dev.cutover.hosts.HostActivities.ConfigKeys;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Compares two boxes' config keys by name and value hash. Deterministic and free of I/O, so the workflow
 * can run it. It sees hashes only, so no finding can ever carry a value.
 */
public final class ConfigComparison {

  /** Key names, sorted. Missing on the target blocks; differing warns; extra on the target is fine. */
  public record Result(List<String> missingOnTarget, List<String> differing, List<String> extraOnTarget, int same) {}

  private ConfigComparison() {}

  public static Result compare(ConfigKeys source, ConfigKeys target) {
    List<String> missing = new ArrayList<>();
    List<String> differing = new ArrayList<>();
    int same = 0;
    for (Map.Entry<String, String> key : source.valueHashes().entrySet()) {
      String other = target.valueHashes().get(key.getKey());
      if (other == null) {
        missing.add(key.getKey());
      } else if (!other.equals(key.getValue())) {
        differing.add(key.getKey());
      } else {
        same++;
      }
    }
    List<String> extra = target.valueHashes().keySet().stream()
        .filter(key -> !source.valueHashes().containsKey(key)).toList();
    return new Result(List.copyOf(missing), List.copyOf(differing), extra, same);
  }

  /** One finding per kind of difference, or a single OK when the keys and values all agree. */
  public static List<Finding> findings(ConfigKeys source, ConfigKeys target) {
    Result result = compare(source, target);
    String check = "config " + target.box();
    List<Finding> findings = new ArrayList<>();
    if (!result.missingOnTarget().isEmpty()) {
      findings.add(Finding.blocking(check,
          count(result.missingOnTarget().size()) + " of " + source.box() + "'s " + source.file()
              + " missing from " + target.box() + "'s " + target.file() + ": " + names(result.missingOnTarget()),
          "add them to " + target.file() + " on " + target.box() + " (an app missing a key may fail silently)"));
    }
    if (!result.differing().isEmpty()) {
      findings.add(Finding.warning(check,
          count(result.differing().size()) + " with different values on " + source.box() + " and "
              + target.box() + ": " + names(result.differing()),
          "confirm each is meant to differ on the new box (addresses, paths) before you confirm"));
    }
    if (findings.isEmpty()) {
      findings.add(Finding.ok(check, result.same() + " keys agree with " + source.box() + "'s"
          + (result.extraOnTarget().isEmpty() ? "" : "; " + target.box() + " also has "
              + names(result.extraOnTarget()))));
    }
    return findings;
  }

  private static String count(int n) {
    return n == 1 ? "1 key" : n + " keys";
  }

  private static String names(List<String> keys) {
    return String.join(", ", keys);
  }
}
