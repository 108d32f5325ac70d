package dev.cutover.cli;

import dev.cutover.plan.Plan;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "validate",
    mixinStandardHelpOptions = true,
    description = {
      "Check a plan file; print every error with its file, line and YAML path (exit 2).",
      "A fleet file (one with a `fleet:` key) is checked with every plan it lists."
    })
class ValidateCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "PLAN", description = "The plan file or fleet file (YAML).")
  Path plan;

  @Override
  public Integer call() {
    PlanFiles.Loaded loaded = PlanFiles.loadPlanOrFleet(plan);
    if (loaded.fleet() != null) {
      spec.commandLine().getOut().printf("%s: valid: fleet %s moves %d apps (%s), at most %d past their gates at once%n",
          plan, loaded.fleet().name(), loaded.fleet().plans().size(),
          loaded.fleet().plans().stream().map(Plan::app).collect(java.util.stream.Collectors.joining(", ")),
          loaded.fleet().maxConcurrent());
      return ExitCode.OK;
    }
    Plan p = loaded.plan();
    spec.commandLine().getOut().printf("%s: valid: move %s from %s to %s (%s copy, %s front door)%n",
        plan, p.app(), p.source().name(), p.target().name(),
        p.copy().strategy().name().toLowerCase().replace('_', '-'), p.frontDoor().type());
    return ExitCode.OK;
  }
}
