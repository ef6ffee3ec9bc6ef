// A producer that is not kafkajs, for the interop tests: the official Java client from the jars the
// local stack fetches. Run as a single source file (nothing is compiled to disk):
//   java -cp '.cache/kafka/<version>/libs/*' test/java/InteropProducer.java BOOTSTRAP PLAN_FILE
// Each plan line is: codec <TAB> mode <TAB> topic <TAB> key-base64 or '-' <TAB> value-base64 <TAB> headers
// where mode is plain, commit or abort and headers is name=value-base64 pairs joined by ','  (or '-').
// Consecutive lines with the same codec and mode go through one producer (compression.type = codec);
// commit and abort lines are sent in one transaction that is committed or aborted. Prints one
// "<codec> <mode> <records>" line per session.
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public class InteropProducer {
  public static void main(String[] args) throws Exception {
    List<String[]> lines = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of(args[1]), StandardCharsets.UTF_8)) {
      if (!line.isEmpty()) lines.add(line.split("\t", -1));
    }
    int i = 0;
    while (i < lines.size()) {
      String codec = lines.get(i)[0];
      String mode = lines.get(i)[1];
      int j = i;
      while (j < lines.size() && lines.get(j)[0].equals(codec) && lines.get(j)[1].equals(mode)) j++;
      send(args[0], codec, mode, lines.subList(i, j));
      System.out.println(codec + " " + mode + " " + (j - i));
      i = j;
    }
  }

  static void send(String bootstrap, String codec, String mode, List<String[]> records) throws Exception {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, codec);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    boolean transactional = !mode.equals("plain");
    if (transactional) p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "cdp360-interop-" + UUID.randomUUID());
    Base64.Decoder b64 = Base64.getDecoder();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
      if (transactional) {
        producer.initTransactions();
        producer.beginTransaction();
      }
      for (String[] r : records) {
        byte[] key = r[3].equals("-") ? null : b64.decode(r[3]);
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(r[2], key, b64.decode(r[4]));
        if (!r[5].equals("-")) {
          for (String h : r[5].split(",")) {
            int eq = h.indexOf('=');
            record.headers().add(new RecordHeader(h.substring(0, eq), b64.decode(h.substring(eq + 1))));
          }
        }
        producer.send(record);
      }
      if (mode.equals("commit")) producer.commitTransaction();
      else if (mode.equals("abort")) {
        producer.flush();
        producer.abortTransaction();
      } else producer.flush();
    }
  }
}
