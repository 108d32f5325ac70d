package dev.cutover.plan;

import java.util.List;

/**
 * What the app runs as on a box, so preflight can compare its CPU architecture with the box's. An image
 * reference alone cannot be inspected without asking a registry, so the architecture comes from exactly
 * one of: {@code arch} as written, the ELF header of {@code binary} on the box, or the output of
 * {@code archCommand} run on the box. {@code image} is a label for messages.
 */
public record Artifact(String image, String arch, String binary, List<String> archCommand) {

  public Artifact {
    archCommand = archCommand == null ? null : List.copyOf(archCommand);
  }
}
