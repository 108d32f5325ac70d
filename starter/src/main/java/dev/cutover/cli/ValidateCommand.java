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
    description = "Check a plan file; print every error with its file, line and YAML path (exit 2).")
class ValidateCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "PLAN", description = "The plan file (YAML).")
  Path plan;

  @Override
  public Integer call() {
    Plan p = PlanFiles.load(plan);
    spec.commandLine().getOut().printf("%s: valid: move %s from %s to %s (%s copy, %s front door)%n",
        plan, p.app(), p.source().name(), p.target().name(),
        p.copy().strategy().name().toLowerCase().replace('_', '-'), p.frontDoor().type());
    return ExitCode.OK;
  }
}
