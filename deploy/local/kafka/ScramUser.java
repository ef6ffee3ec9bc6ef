// Creates or updates a SCRAM-SHA-512 user on the local broker (through its plaintext listener), for
// the SASL_SSL listener that deploy/local/stack.sh starts. Run as a single source file:
//   java -cp '.cache/kafka/<version>/libs/*' deploy/local/kafka/ScramUser.java 127.0.0.1:9092 USER < password-file
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;

public class ScramUser {
  public static void main(String[] args) throws Exception {
    String password = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine().trim();
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
    try (Admin admin = Admin.create(props)) {
      ScramCredentialInfo info = new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192);
      admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(args[1], info, password)))
          .all().get(30, TimeUnit.SECONDS);
      System.out.println("SCRAM-SHA-512 user " + args[1] + " is set");
    }
  }
}
