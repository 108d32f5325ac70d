package dev.cutover.bench;

import java.util.List;

/**
 * A database size by name: the game database with every table but the profiles multiplied by {@code scale}
 * (one scale unit is about 7,500 rows). T exists for the test that keeps the command working.
 */
public record Size(String name, int scale, String meaning) {

  public static final List<Size> ALL = List.of(
      new Size("T", 2, "tiny: the command's own test"),
      new Size("S", 40, "the story's game scaled to tens of MB"),
      new Size("M", 1300, "about 1 GB and 9.8 M rows, like the issue's table"),
      new Size("L", 6500, "about 5 GB"));

  public static Size named(String name) {
    return ALL.stream().filter(s -> s.name.equalsIgnoreCase(name.trim())).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no size " + name + "; sizes are T, S, M, L"));
  }
}
