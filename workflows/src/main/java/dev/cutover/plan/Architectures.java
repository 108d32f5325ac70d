package dev.cutover.plan;

import java.util.Locale;
import java.util.Map;

/**
 * One spelling per CPU architecture. {@code uname -m}, ELF headers and image platforms each name the same
 * chip differently (x86_64 / amd64, aarch64 / arm64); comparing them raw would report a mismatch that is
 * none. The canonical names are the OCI platform ones, the words an operator rebuilds an image for.
 */
public final class Architectures {

  private static final Map<String, String> ALIASES = Map.ofEntries(
      Map.entry("x86_64", "amd64"), Map.entry("amd64", "amd64"), Map.entry("x86-64", "amd64"),
      Map.entry("x64", "amd64"),
      Map.entry("aarch64", "arm64"), Map.entry("arm64", "arm64"), Map.entry("armv8", "arm64"),
      Map.entry("armv8l", "arm64"),
      Map.entry("armv7l", "arm"), Map.entry("armv7", "arm"), Map.entry("armv6l", "arm"), Map.entry("armhf", "arm"),
      Map.entry("arm", "arm"),
      Map.entry("i386", "386"), Map.entry("i686", "386"), Map.entry("386", "386"), Map.entry("x86", "386"),
      Map.entry("riscv64", "riscv64"), Map.entry("ppc64le", "ppc64le"), Map.entry("s390x", "s390x"));

  private Architectures() {}

  /** The canonical name, or null for a spelling this does not know. */
  public static String normalise(String raw) {
    if (raw == null) {
      return null;
    }
    String key = raw.strip().toLowerCase(Locale.ROOT);
    // Image platforms carry an OS and a variant: linux/arm64/v8 is arm64.
    String[] parts = key.split("/");
    if (parts.length >= 2 && parts[0].equals("linux")) {
      key = parts[1];
    }
    return ALIASES.get(key);
  }

  /** The architecture an ELF header's e_machine names, or null for one this does not know. */
  public static String ofElfMachine(int eMachine) {
    return switch (eMachine) {
      case 3 -> "386";
      case 40 -> "arm";
      case 62 -> "amd64";
      case 183 -> "arm64";
      case 243 -> "riscv64";
      case 21 -> "ppc64le";
      case 22 -> "s390x";
      default -> null;
    };
  }

  /** Spellings an operator may write in the plan, for messages. */
  public static String known() {
    return "amd64 (x86_64), arm64 (aarch64), arm (armv7l), 386 (i686), riscv64, ppc64le, s390x";
  }
}
