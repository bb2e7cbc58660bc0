// Starts DynamoDB Local listening on 127.0.0.1 only (issue 22): its own launcher
// (`java -jar DynamoDBLocal.jar`) has no host option and binds every interface, which
// would open the local store of personal data to the network. Run as a single source
// file (`java -cp DynamoDBLocal.jar dynamodb-local-loopback.java -port N ...`), which
// a Java 17 runtime compiles in memory: nothing to build, the same arguments as the jar.
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

public class DynamoDBLocalLoopback {
  public static void main(String[] args) throws Exception {
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    // The Jetty server is built with a port only; its connector takes a host until started.
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    for (Connector connector : server.getConnectors()) {
      ((ServerConnector) connector).setHost("127.0.0.1");
    }
    // ServerRunner.main would also set up telemetry: left out, nothing is sent.
    proxy.start();
  }
}
