package dev.kappa.examples.userstats;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.streams.AutoOffsetReset;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;

/**
 * streams-user-stats: the user-stats view (per user_id: events, revenue summed, distinct
 * sessions) as a Kafka Streams application that keeps the processor contract
 * (docs/processor-contract.md). Exit codes as the reference processor's: 0 after SIGTERM/SIGINT,
 * 1 for a runtime failure (Kafka unreachable at start, a missing topic, Kafka Streams failing),
 * 2 for a setting it cannot honour (the message names the variable).
 */
public final class Main {
  private Main() {}

  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(25); // within the pod's 30 s grace
  private static volatile int exitCode = 0;
  private static Logger log;

  public static void main(String[] args) {
    // slf4j-simple reads these when the first logger is made: stderr, times, Kafka's own chatter
    // at WARN (-D on the command line wins).
    defaultProperty("org.slf4j.simpleLogger.logFile", "System.err");
    defaultProperty("org.slf4j.simpleLogger.showDateTime", "true");
    defaultProperty("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSZ");
    defaultProperty("org.slf4j.simpleLogger.defaultLogLevel", "info");
    defaultProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "warn");
    // The JDK's HTTP server: cut requests and responses that take longer than 10 s.
    defaultProperty("sun.net.httpserver.maxReqTime", "10");
    defaultProperty("sun.net.httpserver.maxRspTime", "10");
    log = org.slf4j.LoggerFactory.getLogger("streams-user-stats");

    if (args.length > 0) {
      System.err.println("streams-user-stats takes no arguments: it is configured by the processor contract's"
          + " environment (see examples/streams-user-stats/README.md)");
      System.exit(2);
    }
    final Settings settings;
    try {
      settings = Settings.fromEnvironment(System.getenv());
    } catch (ConfigError e) {
      System.err.println("streams-user-stats: bad configuration: " + e.getMessage());
      System.exit(2);
      return;
    }
    try {
      run(settings);
    } catch (StartupFailure e) {
      log.error("{}", e.getMessage());
      System.exit(1);
    } catch (Exception e) {
      log.error("failed", e);
      System.exit(1);
    }
  }

  /** A failure at start (exit 1), with a message that says what to fix. */
  private static final class StartupFailure extends Exception {
    private static final long serialVersionUID = 1L;

    StartupFailure(String message) {
      super(message, null, false, false);
    }
  }

  private static void run(Settings settings) throws Exception {
    final String applicationId = settings.consumerGroup;
    final String repartitionTopic = UserStatsTopology.repartitionTopic(applicationId);
    final Map<String, Object> client = new HashMap<>(settings.kafkaProperties);
    client.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers);
    final Admin admin = Admin.create(client);

    // The topics must exist (the operator makes the output topic); Kafka must answer in 30 s.
    checkTopics(admin, settings);
    // Where catch-up ends: each input partition's end offset now; and where a partition with no
    // committed offset starts.
    final Map<TopicPartition, Long> inputEnd = CatchUp.endOffsets(admin, settings.inputTopic);
    final Map<TopicPartition, Long> inputStart = startOffsets(admin, settings, inputEnd);
    final AutoOffsetReset reset;
    switch (settings.startFrom) {
      case LATEST:
        reset = AutoOffsetReset.latest();
        break;
      case TIMESTAMP:
        reset = seekByTime(admin, settings, inputStart);
        break;
      default:
        reset = AutoOffsetReset.earliest();
    }

    final Metrics metrics = new Metrics();
    final Topology topology = UserStatsTopology.build(settings.inputTopic, settings.outputTopic, reset, metrics);
    log.info("topology:\n{}", topology.describe());

    final Properties props = new Properties();
    props.putAll(settings.kafkaProperties);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers);
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, settings.replicationFactor);
    // Only in-memory stores: Kafka Streams then writes nothing to its state directory (the pod's
    // root filesystem is read-only); the directory is named all the same.
    props.put(StreamsConfig.STATE_DIR_CONFIG, System.getProperty("java.io.tmpdir") + "/kafka-streams");
    final HostInfo self;
    if (settings.advertisedHost() != null) {
      self = new HostInfo(settings.advertisedHost(), settings.servingPort);
      final String host = self.host().contains(":") ? "[" + self.host() + "]" : self.host();
      props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, host + ":" + self.port());
    } else {
      self = null;
      log.warn("KAPPA_BIND_ADDRESS {} is every address: keys are answered from this replica's partitions only,"
          + " so run one replica", settings.bindAddress);
    }

    final KafkaStreams streams = new KafkaStreams(topology, props);
    final CatchUp catchUp = new CatchUp(admin, applicationId, repartitionTopic, inputEnd, inputStart);
    final HttpApi http = new HttpApi(streams,
        self,
        () -> {
          final KafkaStreams.State state = streams.state();
          if (!catchUp.caughtUp()) return catchUp.reason();
          return state == KafkaStreams.State.RUNNING ? "" : "Kafka Streams is " + state;
        },
        () -> metrics.text(catchUp.caughtUp() && streams.state() == KafkaStreams.State.RUNNING,
            streams.state().name(), catchUp.lag()));

    final CountDownLatch stopped = new CountDownLatch(1);
    streams.setUncaughtExceptionHandler(e -> {
      log.error("Kafka Streams failed; exiting (1) so that the replica restarts from the committed offsets", e);
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
    streams.setStateListener((now, before) -> {
      log.info("Kafka Streams: {} -> {}", before, now);
      if (now == KafkaStreams.State.ERROR
          || (now == KafkaStreams.State.NOT_RUNNING && stopped.getCount() > 0 && !shuttingDown)) {
        exitCode = 1;
        final Thread exit = new Thread(() -> System.exit(1), "exit");
        exit.start();
      }
    });

    try {
      http.start(settings.bindAddress, settings.servingPort);
    } catch (java.io.IOException e) {
      throw new StartupFailure("cannot serve on " + settings.bindAddress + ":" + settings.servingPort + ": " + e);
    }
    log.info("serving on {}:{}", settings.bindAddress, settings.servingPort);

    final ScheduledExecutorService readiness = Executors.newSingleThreadScheduledExecutor(r -> {
      final Thread thread = new Thread(r, "readiness");
      thread.setDaemon(true);
      return thread;
    });
    readiness.scheduleWithFixedDelay(() -> catchUp.check(streams.state()), 1, 1, TimeUnit.SECONDS);

    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      shuttingDown = true;
      log.info("stopping: closing Kafka Streams (leaving the group), at most {} s", CLOSE_TIMEOUT.toSeconds());
      readiness.shutdownNow();
      final boolean closed = streams.close(CloseOptions.timeout(CLOSE_TIMEOUT)
          .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
      http.stop();
      admin.close(Duration.ofSeconds(2));
      log.info(closed ? "stopped" : "Kafka Streams did not close in time; exiting anyway");
      stopped.countDown();
      // The JVM's exit status after SIGTERM would be 143; the contract's processors exit 0.
      Runtime.getRuntime().halt(exitCode);
    }, "shutdown"));

    streams.start();
    log.info("started: application.id {} (input {}, output {}, start from {}; internal topics {}, {})",
        applicationId, settings.inputTopic, settings.outputTopic,
        settings.startFrom == Settings.StartFrom.TIMESTAMP ? settings.startTimestampMs : settings.startFrom,
        repartitionTopic, UserStatsTopology.changelogTopic(applicationId));
    stopped.await();
  }

  private static volatile boolean shuttingDown = false;

  private static void checkTopics(Admin admin, Settings settings) throws Exception {
    for (final String[] topic : new String[][] {{settings.inputTopic, "KAPPA_INPUT_TOPIC"},
                                                {settings.outputTopic, "KAPPA_OUTPUT_TOPIC"}}) {
      try {
        admin.describeTopics(Set.of(topic[0])).allTopicNames().get(30, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        throw new StartupFailure("Kafka at " + settings.bootstrapServers + " did not answer within 30 s");
      } catch (ExecutionException e) {
        if (e.getCause() instanceof UnknownTopicOrPartitionException) {
          throw new StartupFailure(topic[1] + ": topic '" + topic[0] + "' does not exist");
        }
        throw new StartupFailure("cannot describe topic '" + topic[0] + "': " + e.getCause());
      }
    }
  }

  /** Per input partition, where consumption starts when the group has no offset for it. */
  private static Map<TopicPartition, Long> startOffsets(Admin admin, Settings settings,
                                                        Map<TopicPartition, Long> end) throws Exception {
    switch (settings.startFrom) {
      case LATEST:
        return end;
      case EARLIEST:
        return CatchUp.offsets(admin, settings.inputTopic, OffsetSpec.earliest());
      default: {
        // Kafka's offsets-for-times: the first offset at or after the time; the end when none is.
        final Map<TopicPartition, Long> start =
            CatchUp.offsets(admin, settings.inputTopic, OffsetSpec.forTimestamp(settings.startTimestampMs));
        start.replaceAll((tp, offset) -> offset < 0 ? end.get(tp) : offset);
        return start;
      }
    }
  }

  /**
   * KAPPA_START_FROM as a time. Kafka Streams cannot start at a timestamp, so before it starts
   * the group's offsets are set to Kafka's offsets-for-times (computed in startOffsets), for the
   * partitions the group has no offset for, while the group has no members: Streams then
   * resumes there. Another replica starting at the same moment computes and sets the same
   * offsets. Should a partition still come without an offset (the group was busy), the reset
   * policy is by duration, now minus the time: close to, not exactly, the offsets-for-times.
   */
  private static AutoOffsetReset seekByTime(Admin admin, Settings settings, Map<TopicPartition, Long> start)
      throws Exception {
    final String group = settings.consumerGroup;
    final long ago = System.currentTimeMillis() - settings.startTimestampMs;
    final AutoOffsetReset fallback = ago > 0 ? AutoOffsetReset.byDuration(Duration.ofMillis(ago))
        : AutoOffsetReset.latest();
    GroupState state;
    try {
      final ConsumerGroupDescription description = admin.describeConsumerGroups(Set.of(group))
          .describedGroups().get(group).get(30, TimeUnit.SECONDS);
      state = description.groupState();
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof GroupIdNotFoundException)) throw e;
      state = GroupState.DEAD;
    }
    if (state != GroupState.EMPTY && state != GroupState.DEAD && state != GroupState.UNKNOWN) {
      log.info("group {} is {}: not setting start offsets (a running member has)", group, state);
      return fallback;
    }
    final Map<TopicPartition, OffsetAndMetadata> committed =
        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
    final Map<TopicPartition, OffsetAndMetadata> toSet = new HashMap<>();
    start.forEach((tp, offset) -> {
      if (committed.get(tp) == null) toSet.put(tp, new OffsetAndMetadata(offset));
    });
    if (!toSet.isEmpty()) {
      try {
        admin.alterConsumerGroupOffsets(group, toSet).all().get(30, TimeUnit.SECONDS);
        log.info("start from {}: group {} starts at offsets-for-times {}", settings.startTimestampMs, group, toSet);
      } catch (ExecutionException e) {
        log.warn("could not set the start offsets of group {} ({}); a member may have set them", group,
            e.getCause().toString());
      }
    }
    return fallback;
  }

  private static void defaultProperty(String name, String value) {
    if (System.getProperty(name) == null) System.setProperty(name, value);
  }
}
