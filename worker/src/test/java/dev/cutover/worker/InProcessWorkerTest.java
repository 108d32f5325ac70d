package dev.cutover.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.yaml.snakeyaml.Yaml;

/** The Spring-less worker registers exactly what the main worker's application.yaml registers. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class InProcessWorkerTest {

  @Test
  @SuppressWarnings("unchecked")
  void registersTheSameWorkflowsAndActivitiesAsTheMainWorker() throws Exception {
    Map<String, Object> yaml;
    try (InputStream in = getClass().getResourceAsStream("/application.yaml")) {
      yaml = new Yaml().load(in);
    }
    Map<String, Object> temporal = (Map<String, Object>) ((Map<String, Object>) yaml.get("spring")).get("temporal");
    Map<String, Object> main = ((List<Map<String, Object>>) temporal.get("workers")).get(0);

    List<String> workflows = InProcessWorker.WORKFLOWS.stream().map(Class::getName).toList();
    assertEquals(main.get("workflow-classes"), workflows);

    List<String> beanTypes = new ArrayList<>();
    try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext(ActivityConfiguration.class)) {
      for (String bean : (List<String>) main.get("activity-beans")) {
        beanTypes.add(context.getBean(bean).getClass().getName());
      }
    }
    assertEquals(beanTypes, InProcessWorker.activities().stream().map(a -> a.getClass().getName()).toList());
  }
}
