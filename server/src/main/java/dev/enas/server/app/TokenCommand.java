package dev.enas.server.app;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.enas.server.security.Role;
import dev.enas.server.security.SecuritySettings;
import dev.enas.server.security.TokenStore;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code enas-server token add}: makes a bearer token, stores its salted hash in the token file and
 * prints the token once; nothing else ever holds it. A running server picks the new line up by
 * itself.
 */
@Command(
    name = "token",
    mixinStandardHelpOptions = true,
    description = "Manage the bearer tokens of the gRPC API.",
    subcommands = {TokenCommand.Add.class})
final class TokenCommand implements Runnable {

  @Override
  public void run() {
    new picocli.CommandLine(this).usage(System.out);
  }

  /** Adds one token. */
  @Command(
      name = "add",
      mixinStandardHelpOptions = true,
      description = "Add a token and print it (once) on standard output.")
  static final class Add implements Callable<Integer> {
    @Option(
        names = "--name",
        required = true,
        description = "Who the token is for; searches it creates are owned by this name.")
    String name;

    @Option(names = "--role", required = true, description = "viewer, operator or admin.")
    String role;

    @Option(names = "--tokens", description = "Token file (default: <data-dir>/security/tokens).")
    String tokensFile;

    @Option(names = "--data-dir", description = "The server's folder (default: enas.data-dir).")
    String dataDir;

    @Override
    public Integer call() throws Exception {
      Config config = ConfigFactory.load();
      if (dataDir != null) {
        config = config.withValue("enas.data-dir", ConfigValueFactory.fromAnyRef(dataDir));
      }
      Path file =
          tokensFile != null
              ? Path.of(tokensFile)
              : SecuritySettings.fromConfig(config.getConfig("enas")).tokensFile();
      Role parsed;
      try {
        parsed = Role.parse(role);
      } catch (IllegalArgumentException e) {
        System.err.println("--role: " + e.getMessage());
        return 2;
      }
      try {
        String token = TokenStore.add(file, name, parsed);
        System.err.println(
            "added "
                + parsed.label()
                + " token '"
                + name
                + "' to "
                + file
                + "; it is shown only this once:");
        System.out.println(token);
        return 0;
      } catch (IllegalArgumentException e) {
        System.err.println(e.getMessage());
        return 2;
      }
    }
  }
}
