package dev.cutover.workflow;

import io.temporal.activity.ActivityOptions;
import io.temporal.internal.sync.AsyncInternal;
import io.temporal.workflow.Workflow;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Map;

/**
 * Activity stubs whose every call carries the words of the step it runs for ({@link Steps#current}) as its
 * summary, so the Temporal web UI lists "stop app on home", "fence source database" where it would show
 * only {@code Run} and {@code Fence}. The call sites stay plain stub calls: each call builds the SDK's stub
 * with that summary and hands the call to it.
 *
 * <p>A summary is user metadata on the ScheduleActivityTask command; replay does not compare it, so the
 * recorded histories without summaries replay unchanged (ReplayTest).
 */
final class StepStubs {

  private final Steps steps;

  StepStubs(Steps steps) {
    this.steps = steps;
  }

  <T> T of(Class<T> activities, ActivityOptions options) {
    return of(activities, options, Map.of());
  }

  <T> T of(Class<T> activities, ActivityOptions options, Map<String, ActivityOptions> perMethod) {
    // The SDK's AsyncMarker lets Async.function(stub::method, ...) schedule through this proxy in the calling
    // thread, exactly as through the SDK's own stub; without it the call would move to a new workflow thread.
    Object proxy = Proxy.newProxyInstance(activities.getClassLoader(),
        new Class<?>[] {activities, AsyncInternal.AsyncMarker.class},
        (self, method, args) -> {
          if (method.getDeclaringClass() == Object.class) {
            return objectMethod(activities, self, method, args);
          }
          ActivityOptions summarized = options.toBuilder().setSummary(summary(method)).build();
          T stub = Workflow.newActivityStub(activities, summarized, perMethod);
          try {
            return method.invoke(stub, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
    return activities.cast(proxy);
  }

  /** The running step's words; an activity scheduled outside any step is named by its method. */
  private String summary(Method method) {
    String step = steps.current();
    return WebUi.oneLine(step != null ? step : words(method.getName()));
  }

  /** {@code dropChangeLog} as "drop change log". */
  static String words(String methodName) {
    return methodName.replaceAll("([a-z0-9])([A-Z])", "$1 $2").toLowerCase();
  }

  private static Object objectMethod(Class<?> activities, Object self, Method method, Object[] args) {
    return switch (method.getName()) {
      case "equals" -> self == args[0];
      case "hashCode" -> System.identityHashCode(self);
      default -> "step-summarized " + activities.getSimpleName();
    };
  }
}
