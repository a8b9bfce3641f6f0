// A member of a KIP-848 consumer group (group.protocol=consumer), which
// librdkafka 2.0.2 cannot join: the operator's admin client must still read
// such a group's lag and delete it. Run from source by the test:
//   java -cp '<kafka libs>/*' ConsumerProtocolMember.java BOOTSTRAP GROUP TOPIC COUNT LEAVE_FILE
// Commits exactly COUNT records (each once processed), prints
// "committed COUNT", stays a member (polling, committing nothing more) until
// LEAVE_FILE exists, then leaves the group. Gives up after two minutes.
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

public class ConsumerProtocolMember {
  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    props.put("bootstrap.servers", args[0]);
    props.put("group.id", args[1]);
    props.put("group.protocol", "consumer");
    props.put("enable.auto.commit", "false");
    props.put("auto.offset.reset", "earliest");
    props.put("key.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
    props.put("value.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
    final int count = Integer.parseInt(args[3]);
    final Path leave = Path.of(args[4]);
    final long deadline = System.currentTimeMillis() + 120_000;
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
      consumer.subscribe(List.of(args[2]));
      int committed = 0;
      while (committed < count && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (committed == count) break;  // later records stay uncommitted
          TopicPartition tp = new TopicPartition(r.topic(), r.partition());
          consumer.commitSync(Map.of(tp, new OffsetAndMetadata(r.offset() + 1)));
          committed++;
        }
      }
      System.out.println("committed " + committed);
      System.out.flush();
      while (!Files.exists(leave) && System.currentTimeMillis() < deadline) consumer.poll(Duration.ofMillis(100));
    }
    System.out.println("left");
  }
}
