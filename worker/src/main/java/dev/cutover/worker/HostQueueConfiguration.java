package dev.cutover.worker;

import dev.cutover.hosts.HostActivitiesImpl;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.context.annotation.Configuration;

/**
 * A worker that runs on a box itself (a plan's {@code host: {exec: worker, taskQueue: ...}}) also polls
 * that box's queue, where the workflow sends the box's commands: no ssh needed. Set
 * {@code CUTOVER_HOST_QUEUE} on that box's worker. The worker is added before the factory starts.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnExpression("!'${cutover.host-queue:}'.isEmpty()")
public class HostQueueConfiguration implements InitializingBean {

  private static final Logger log = LoggerFactory.getLogger(HostQueueConfiguration.class);

  private final WorkerFactory factory;
  private final String queue;

  public HostQueueConfiguration(WorkerFactory factory,
      @org.springframework.beans.factory.annotation.Value("${cutover.host-queue}") String queue) {
    this.factory = factory;
    this.queue = queue;
  }

  @Override
  public void afterPropertiesSet() {
    Worker worker = factory.newWorker(queue);
    worker.registerActivitiesImplementations(new HostActivitiesImpl(queue));
    log.info("also running this box's commands from task queue {}", queue);
  }
}
