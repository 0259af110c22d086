package dev.enas.server.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigResolveOptions;
import dev.enas.server.cluster.ClusterBootstrap;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * deploy/docker-compose.yml and deploy/k8s/ cross-checked with the server they run: no container
 * runtime can pull an image here, so the files are parsed and every variable, port, path, label,
 * name and count they give is checked against the server's settings (application.conf and
 * enas-bootstrap.conf), the Dockerfile and each other. The environment a file gives a node is
 * applied to the server's settings as the server would read it, and the result must be what the
 * file means (its ports, its mounted folders, a valid bootstrap).
 */
class DeployManifestsTest {
  private static final Path DEPLOY = Path.of("..", "deploy");
  private static final Pattern ENV_VARIABLE = Pattern.compile("\\$\\{\\?(ENAS_[A-Z_]+)}");

  /**
   * Variables of the cluster change (issue 17's cluster half), which adds them to application.conf:
   * enas.cluster.enabled, pekko.remote.artery.canonical.hostname and .port, enas.cluster.seed-nodes
   * and enas.snapshots.directory. Until it is merged they are accepted by name here.
   */
  private static final Set<String> CLUSTER_VARIABLES =
      Set.of(
          "ENAS_CLUSTER_ENABLED",
          "ENAS_CLUSTER_HOST",
          "ENAS_CLUSTER_PORT",
          "ENAS_CLUSTER_SEED_NODES",
          "ENAS_SNAPSHOTS_DIRECTORY");

  /** Variables bin/enas-server reads itself rather than the settings. */
  private static final Set<String> SCRIPT_VARIABLES = Set.of("ENAS_HOME", "ENAS_JAVA_OPTS");

  private static final int CLUSTER_PORT = 25520;
  private static final Pattern SEED_NODE = Pattern.compile("pekko://enas@([^:/]+):(\\d+)");

  // ---- reading the files

  private static String read(String... path) throws IOException {
    return Files.readString(DEPLOY.resolve(Path.of("", path)));
  }

  private static Set<String> variablesTheServerReads() throws IOException {
    Set<String> names = new HashSet<>();
    for (String file : List.of("application.conf", "enas-bootstrap.conf")) {
      Matcher m = ENV_VARIABLE.matcher(Files.readString(Path.of("src", "main", "resources", file)));
      while (m.find()) {
        names.add(m.group(1));
      }
    }
    return names;
  }

  /**
   * The server's settings as a node given {@code env} reads them: each variable stands where the
   * settings name it, nothing of this machine's environment. The cluster change's provider switch
   * (enas.cluster.enabled) is applied by hand until it is merged.
   */
  private static Config settingsWith(Map<String, String> env) {
    Config vars = ConfigFactory.parseMap(new LinkedHashMap<String, Object>(env));
    Config config =
        ConfigFactory.parseResources("enas-bootstrap.conf")
            .withFallback(ConfigFactory.parseResources("application.conf"))
            .withFallback(ConfigFactory.defaultReference());
    if ("true".equals(env.get("ENAS_CLUSTER_ENABLED"))) {
      config = ConfigFactory.parseString("pekko.actor.provider = cluster").withFallback(config);
    }
    // ENAS_JAVA_OPTS' -D settings win over the files, as system properties do.
    config = javaOptions(env.getOrDefault("ENAS_JAVA_OPTS", "")).withFallback(config);
    return vars.withFallback(config).resolve(ConfigResolveOptions.noSystem());
  }

  private static Config javaOptions(String options) {
    Properties p = new Properties();
    for (String o : options.trim().split("\\s+")) {
      if (o.startsWith("-D") && o.contains("=")) {
        p.setProperty(o.substring(2, o.indexOf('=')), o.substring(o.indexOf('=') + 1));
      }
    }
    return ConfigFactory.parseProperties(p);
  }

  private static Config defaults() {
    return settingsWith(Map.of());
  }

  private static String version() throws IOException {
    Properties p = new Properties();
    try (InputStream in =
        DeployManifestsTest.class.getResourceAsStream("/enas-version.properties")) {
      p.load(in);
    }
    return p.getProperty("version");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    assertThat(o).as("a YAML mapping").isInstanceOf(Map.class);
    return (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object o) {
    assertThat(o).as("a YAML list").isInstanceOf(List.class);
    return (List<Object>) o;
  }

  private static Map<String, Object> at(Map<String, Object> m, String... keys) {
    Map<String, Object> cur = m;
    for (String k : keys) {
      assertThat(cur).as("has %s", k).containsKey(k);
      cur = map(cur.get(k));
    }
    return cur;
  }

  /** The uid and gid the Dockerfile gives the enas user. */
  private static int[] imageUser() throws IOException {
    String dockerfile = read("docker", "Dockerfile");
    Matcher gid = Pattern.compile("groupadd [^\\n]*--gid (\\d+) enas").matcher(dockerfile);
    Matcher uid = Pattern.compile("useradd [^\\n]*--uid (\\d+) ").matcher(dockerfile);
    assertThat(gid.find()).as("the Dockerfile's groupadd --gid").isTrue();
    assertThat(uid.find()).as("the Dockerfile's useradd --uid").isTrue();
    return new int[] {Integer.parseInt(uid.group(1)), Integer.parseInt(gid.group(1))};
  }

  /** The folder the Dockerfile prepares for the shared volume (made and given to enas). */
  private static String imageSharedFolder() throws IOException {
    Matcher m = Pattern.compile("chown enas:enas (/\\S+)").matcher(read("docker", "Dockerfile"));
    assertThat(m.find()).as("the Dockerfile's chown of the shared folder").isTrue();
    return m.group(1);
  }

  private static boolean under(String path, String folder) {
    return path.equals(folder) || path.startsWith(folder.endsWith("/") ? folder : folder + "/");
  }

  @Test
  void theDistributionsSettingsReadTheBootstrapSettings() {
    // What bin/enas-server reads (-Dconfig.file), so that the Docker image, which runs the
    // distribution, starts beside pekko-discovery 1.2.1 whatever the order of the jars in lib/.
    Config dist =
        ConfigFactory.parseFile(Path.of("src", "dist", "conf", "enas.conf").toFile())
            .resolve(ConfigResolveOptions.noSystem());
    assertThat(dist.getBoolean("pekko.fail-mixed-versions")).isFalse();
    assertThat(dist.getBoolean("enas.cluster.bootstrap")).isFalse();
    assertThat(dist.getInt("pekko.management.http.port")).isEqualTo(8558);
    assertThat(dist.getInt("enas.server.port")).isEqualTo(8980);
  }

  // ---- docker-compose.yml

  private static Map<String, Object> compose() throws IOException {
    return map(new Yaml().load(read("docker-compose.yml")));
  }

  /** The services that run the enas image, by name. */
  private static Map<String, Map<String, Object>> composeNodes(Map<String, Object> compose) {
    Map<String, Map<String, Object>> nodes = new LinkedHashMap<>();
    at(compose, "services")
        .forEach(
            (name, s) -> {
              if (String.valueOf(map(s).get("image")).startsWith("enas-server:")) {
                nodes.put(name, map(s));
              }
            });
    return nodes;
  }

  /** A service's environment as the node sees it (compose's "$$" is one "$"). */
  private static Map<String, String> composeEnv(Map<String, Object> service) {
    Map<String, String> env = new LinkedHashMap<>();
    at(service, "environment").forEach((k, v) -> env.put(k, String.valueOf(v).replace("$$", "$")));
    return env;
  }

  /** "volume:/path" entries of a service, as path to volume. */
  private static Map<String, String> composeMounts(Map<String, Object> service) {
    Map<String, String> mounts = new LinkedHashMap<>();
    for (Object v : list(service.get("volumes"))) {
      String[] parts = String.valueOf(v).split(":");
      mounts.put(parts[1], parts[0]);
    }
    return mounts;
  }

  @Test
  void composeRunsThreeNodesOfTheDockerfilesImageBesidePostgres() throws IOException {
    Map<String, Object> compose = compose();
    Map<String, Map<String, Object>> nodes = composeNodes(compose);
    assertThat(nodes).hasSize(3);
    for (Map.Entry<String, Map<String, Object>> e : nodes.entrySet()) {
      Map<String, Object> node = e.getValue();
      assertThat(node.get("image")).isEqualTo("enas-server:" + version());
      Map<String, Object> build = at(node, "build");
      // The build context is the repository's root, where the Dockerfile's COPY source lies.
      Path context = DEPLOY.resolve(String.valueOf(build.get("context"))).normalize();
      assertThat(context.resolve("server").resolve("src").resolve("assembly").resolve("dist.xml"))
          .exists();
      assertThat(context.resolve(String.valueOf(build.get("dockerfile"))).normalize())
          .isEqualTo(DEPLOY.resolve("docker").resolve("Dockerfile").normalize());
      // The Dockerfile's entry point is bin/enas-server; the command is its arguments.
      assertThat(list(node.get("command"))).first().isEqualTo("serve");
      assertThat(at(node, "depends_on", "postgres")).containsEntry("condition", "service_healthy");
      assertThat(node.get("stop_grace_period")).isEqualTo("90s");
      assertThat(90L).isGreaterThan(defaults().getDuration("enas.shutdown-grace").toSeconds());
    }
    Map<String, Object> postgres = at(compose, "services", "postgres");
    assertThat(String.valueOf(postgres.get("image"))).startsWith("postgres:");
    assertThat(postgres).containsKey("healthcheck");
  }

  @Test
  void composeSetsOnlyVariablesTheServerReads() throws IOException {
    Set<String> read = variablesTheServerReads();
    int checked = 0;
    for (Map<String, Object> node : composeNodes(compose()).values()) {
      for (String name : composeEnv(node).keySet()) {
        assertThat(name).startsWith("ENAS_");
        if (!CLUSTER_VARIABLES.contains(name) && !SCRIPT_VARIABLES.contains(name)) {
          assertThat(read)
              .as("application.conf or enas-bootstrap.conf reads %s", name)
              .contains(name);
          checked++;
        }
      }
    }
    assertThat(checked).isGreaterThan(20);
  }

  @Test
  void composeNodesListenOnTheServersPortsAndFormOneClusterThroughTheirSeedNodes()
      throws IOException {
    Map<String, Map<String, Object>> nodes = composeNodes(compose());
    Set<String> hostPorts = new HashSet<>();
    for (Map.Entry<String, Map<String, Object>> e : nodes.entrySet()) {
      Map<String, String> env = composeEnv(e.getValue());
      Config settings = settingsWith(env);
      int grpc = settings.getInt("enas.server.port");
      int http = settings.getInt("enas.http.port");
      assertThat(grpc).isEqualTo(defaults().getInt("enas.server.port")).isEqualTo(8980);
      assertThat(http).isEqualTo(defaults().getInt("enas.http.port")).isEqualTo(8981);
      List<Integer> containerPorts = new ArrayList<>();
      for (Object p : list(e.getValue().get("ports"))) {
        String[] parts = String.valueOf(p).split(":");
        assertThat(parts).as("host address, host port, container port").hasSize(3);
        assertThat(parts[0]).as("published on the host's loopback only").isEqualTo("127.0.0.1");
        assertThat(hostPorts.add(parts[1])).as("host port %s used once", parts[1]).isTrue();
        containerPorts.add(Integer.parseInt(parts[2]));
      }
      assertThat(containerPorts).containsExactlyInAnyOrder(grpc, http);
      // The health check asks the HTTP port inside the container.
      assertThat(
              String.join(
                  " ",
                  list(at(e.getValue(), "healthcheck").get("test")).stream()
                      .map(String::valueOf)
                      .toList()))
          .contains("/dev/tcp/127.0.0.1/" + http);

      assertThat(env).containsEntry("ENAS_CLUSTER_ENABLED", "true");
      assertThat(env.get("ENAS_CLUSTER_HOST"))
          .isEqualTo(e.getKey())
          .isEqualTo(e.getValue().get("hostname"));
      assertThat(env).containsEntry("ENAS_CLUSTER_PORT", String.valueOf(CLUSTER_PORT));
      List<String> seeds = List.of(env.get("ENAS_CLUSTER_SEED_NODES").split(","));
      assertThat(seeds).hasSize(3);
      for (String seed : seeds) {
        Matcher m = SEED_NODE.matcher(seed.strip());
        assertThat(m.matches()).as("seed node %s is pekko://enas@HOST:PORT", seed).isTrue();
        assertThat(nodes).as("seed node %s names a compose service", seed).containsKey(m.group(1));
        assertThat(composeEnv(nodes.get(m.group(1))))
            .containsEntry("ENAS_CLUSTER_PORT", m.group(2));
      }
      assertThat(seeds.stream().map(s -> s.replaceAll(".*@([^:]+):.*", "$1")).toList())
          .containsExactlyInAnyOrderElementsOf(nodes.keySet());
      // Bootstrap stays off: the seed nodes find the others.
      assertThat(ClusterBootstrap.Settings.fromConfig(settings).enabled()).isFalse();
    }
  }

  @Test
  void composeNodesShareOneVolumeForModelsSnapshotsAndDataSets() throws IOException {
    Map<String, Object> compose = compose();
    Map<String, Map<String, Object>> nodes = composeNodes(compose);
    Set<String> sharedVolumes = new HashSet<>();
    Set<String> dataVolumes = new HashSet<>();
    String dockerVolume =
        read("docker", "Dockerfile")
            .lines()
            .filter(l -> l.startsWith("VOLUME "))
            .findFirst()
            .orElseThrow()
            .substring(7)
            .strip();
    for (Map<String, Object> node : nodes.values()) {
      Map<String, String> env = composeEnv(node);
      Map<String, String> mounts = composeMounts(node);
      Config settings = settingsWith(env);
      String models = settings.getString("enas.serving.repository");
      String snapshots = env.get("ENAS_SNAPSHOTS_DIRECTORY");
      List<String> roots = settings.getStringList("enas.data.roots");
      assertThat(roots).hasSize(1);
      String shared = imageSharedFolder();
      assertThat(mounts).containsKey(shared);
      for (String folder : List.of(models, snapshots, roots.get(0))) {
        assertThat(under(folder, shared))
            .as("%s is on the shared volume at %s", folder, shared)
            .isTrue();
      }
      sharedVolumes.add(mounts.get(shared));
      String dataDir = settings.getString("enas.data-dir");
      assertThat(dataDir).isEqualTo(dockerVolume);
      assertThat(mounts).containsKey(dataDir);
      dataVolumes.add(mounts.get(dataDir));
    }
    assertThat(sharedVolumes).as("one volume shared by all nodes").hasSize(1);
    assertThat(dataVolumes).as("a data volume of each node's own").hasSize(nodes.size());
    Set<String> declared = at(compose, "volumes").keySet();
    assertThat(declared).containsAll(sharedVolumes).containsAll(dataVolumes);
  }

  @Test
  void composeJournalIsThePostgresService() throws Exception {
    Map<String, Object> compose = compose();
    Map<String, String> db = new LinkedHashMap<>();
    at(compose, "services", "postgres", "environment")
        .forEach((k, v) -> db.put(k, String.valueOf(v)));
    for (Map<String, Object> node : composeNodes(compose).values()) {
      Config journal = settingsWith(composeEnv(node)).getConfig("enas.journal");
      URI url = URI.create(journal.getString("url").substring("jdbc:".length()));
      assertThat(url.getScheme()).isEqualTo("postgresql");
      assertThat(url.getHost()).isEqualTo("postgres");
      assertThat(url.getPort()).isEqualTo(5432);
      assertThat(url.getPath()).isEqualTo("/" + db.get("POSTGRES_DB"));
      assertThat(journal.getString("user")).isEqualTo(db.get("POSTGRES_USER"));
      assertThat(journal.getString("password")).isEqualTo(db.get("POSTGRES_PASSWORD"));
      assertThat(journal.getString("password")).as("no password in the file").startsWith("${");
      assertJournalClassesExist(journal);
    }
  }

  /** The driver and Slick profile a file names are classes on the server's class path. */
  private static void assertJournalClassesExist(Config journal) throws ClassNotFoundException {
    assertThat(journal.getString("driver")).isEqualTo("org.postgresql.Driver");
    Class.forName(journal.getString("driver"));
    assertThat(journal.getString("profile")).isEqualTo("slick.jdbc.PostgresProfile$");
    Class.forName(journal.getString("profile"));
  }

  // ---- k8s

  private static final List<String> MANIFESTS =
      List.of("secret.yaml", "rbac.yaml", "postgres.yaml", "shared-volume.yaml", "enas.yaml");

  /** Every object of every manifest, by kind and name. */
  private static Map<String, Map<String, Object>> k8s() throws IOException {
    Map<String, Map<String, Object>> objects = new LinkedHashMap<>();
    for (String file : MANIFESTS) {
      for (Object doc : new Yaml().loadAll(read("k8s", file))) {
        Map<String, Object> o = map(doc);
        String key = o.get("kind") + "/" + at(o, "metadata").get("name");
        assertThat(objects.put(key, o)).as("%s defined once", key).isNull();
      }
    }
    return objects;
  }

  private static Map<String, Object> k8s(String kindAndName) throws IOException {
    Map<String, Map<String, Object>> all = k8s();
    assertThat(all).containsKey(kindAndName);
    return all.get(kindAndName);
  }

  private static Map<String, Object> nodePod() throws IOException {
    return at(k8s("StatefulSet/enas"), "spec", "template");
  }

  private static Map<String, Object> nodeContainer() throws IOException {
    List<Object> containers = list(at(nodePod(), "spec").get("containers"));
    assertThat(containers).hasSize(1);
    return map(containers.get(0));
  }

  /** The node container's plain environment values, and valueFrom entries by name. */
  private static Map<String, String> k8sEnv(Map<String, Object> container) {
    Map<String, String> env = new LinkedHashMap<>();
    for (Object e : list(container.get("env"))) {
      Map<String, Object> var = map(e);
      env.put(
          String.valueOf(var.get("name")),
          var.containsKey("value")
              ? String.valueOf(var.get("value"))
              : "valueFrom:" + var.get("valueFrom"));
    }
    return env;
  }

  private static Map<String, Integer> containerPorts(Map<String, Object> container) {
    Map<String, Integer> ports = new LinkedHashMap<>();
    for (Object p : list(container.get("ports"))) {
      ports.put(String.valueOf(map(p).get("name")), (Integer) map(p).get("containerPort"));
    }
    return ports;
  }

  private static Map<String, Object> valueFrom(Map<String, Object> container, String name) {
    for (Object e : list(container.get("env"))) {
      if (name.equals(map(e).get("name"))) {
        return at(map(e), "valueFrom");
      }
    }
    throw new AssertionError("no " + name + " in the container's env");
  }

  @Test
  void theKustomizationAppliesEveryManifest() throws IOException {
    Map<String, Object> k = map(new Yaml().load(read("k8s", "kustomization.yaml")));
    assertThat(list(k.get("resources"))).containsExactlyInAnyOrderElementsOf(MANIFESTS);
    try (Stream<Path> files = Files.list(DEPLOY.resolve("k8s"))) {
      assertThat(
              files
                  .map(f -> f.getFileName().toString())
                  .filter(f -> !f.equals("kustomization.yaml")))
          .containsExactlyInAnyOrderElementsOf(MANIFESTS);
    }
  }

  @Test
  void k8sSetsOnlyVariablesTheServerReads() throws IOException {
    Set<String> read = variablesTheServerReads();
    Map<String, String> env = k8sEnv(nodeContainer());
    int checked = 0;
    for (String name : env.keySet()) {
      assertThat(name).startsWith("ENAS_");
      if (!CLUSTER_VARIABLES.contains(name) && !SCRIPT_VARIABLES.contains(name)) {
        assertThat(read)
            .as("application.conf or enas-bootstrap.conf reads %s", name)
            .contains(name);
        checked++;
      }
    }
    assertThat(checked).isGreaterThan(10);
  }

  @Test
  void threeNodesBootstrapThroughTheKubernetesApiWithLabelsTheyCarry() throws IOException {
    Map<String, Object> set = k8s("StatefulSet/enas");
    Map<String, Object> container = nodeContainer();
    Map<String, String> env = k8sEnv(container);
    int replicas = (Integer) at(set, "spec").get("replicas");
    assertThat(replicas).isEqualTo(3);
    assertThat(at(set, "spec").get("podManagementPolicy")).isEqualTo("Parallel");

    Config settings = settingsWith(env);
    // The settings the manifest gives are ones bootstrap accepts, and mean what the pod says.
    ClusterBootstrap.Settings bootstrap = ClusterBootstrap.Settings.fromConfig(settings);
    assertThat(bootstrap.enabled()).isTrue();
    assertThat(bootstrap.requiredContactPoints()).isEqualTo(replicas);
    assertThat(env)
        .containsEntry("ENAS_CLUSTER_ENABLED", "true")
        .doesNotContainKey("ENAS_CLUSTER_SEED_NODES");
    Config discovery =
        settings.getConfig("pekko.management.cluster.bootstrap.contact-point-discovery");
    assertThat(discovery.getString("discovery-method")).isEqualTo("kubernetes-api");

    Map<String, Integer> ports = containerPorts(container);
    assertThat(ports.get(discovery.getString("port-name")))
        .isEqualTo(bootstrap.managementPort())
        .isEqualTo(defaults().getInt("pekko.management.http.port"))
        .isEqualTo(8558);
    assertThat(ports).containsEntry("remoting", CLUSTER_PORT);
    assertThat(env).containsEntry("ENAS_CLUSTER_PORT", String.valueOf(CLUSTER_PORT));
    for (String host : List.of("ENAS_CLUSTER_HOST", "ENAS_MANAGEMENT_HOST")) {
      assertThat(at(valueFrom(container, host), "fieldRef"))
          .containsEntry("fieldPath", "status.podIP");
    }

    // The selector bootstrap lists pods with is one the pods carry.
    String selector =
        settings
            .getString("pekko.discovery.kubernetes-api.pod-label-selector")
            .replace("%s", discovery.getString("service-name"));
    Map<String, Object> labels = at(nodePod(), "metadata", "labels");
    for (String term : selector.split(",")) {
      String[] kv = term.split("=", 2);
      assertThat(labels).as("pod labels match %s", term).containsEntry(kv[0], kv[1]);
    }
    assertThat(labels).containsAllEntriesOf(at(set, "spec", "selector", "matchLabels"));
  }

  @Test
  void theNodesServiceAccountMayGetWatchAndListPods() throws IOException {
    Map<String, Map<String, Object>> all = k8s();
    String account = String.valueOf(at(nodePod(), "spec").get("serviceAccountName"));
    assertThat(all).containsKey("ServiceAccount/" + account);
    Map<String, Object> binding =
        all.values().stream()
            .filter(o -> "RoleBinding".equals(o.get("kind")))
            .filter(
                o ->
                    list(o.get("subjects")).stream()
                        .anyMatch(
                            s ->
                                "ServiceAccount".equals(map(s).get("kind"))
                                    && account.equals(map(s).get("name"))))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no RoleBinding for " + account));
    Map<String, Object> ref = at(binding, "roleRef");
    assertThat(ref)
        .containsEntry("kind", "Role")
        .containsEntry("apiGroup", "rbac.authorization.k8s.io");
    Map<String, Object> role = all.get("Role/" + ref.get("name"));
    assertThat(role).as("Role/%s", ref.get("name")).isNotNull();
    assertThat(
            list(role.get("rules")).stream()
                .map(DeployManifestsTest::map)
                .filter(
                    r ->
                        list(r.get("apiGroups")).contains("")
                            && list(r.get("resources")).contains("pods")
                            && list(r.get("verbs")).containsAll(List.of("get", "watch", "list"))))
        .as("a rule granting get, watch and list on pods")
        .isNotEmpty();
  }

  @Test
  void probesAskTheGrpcHealthServiceOnTheServersPort() throws IOException {
    Map<String, Object> container = nodeContainer();
    Config settings = settingsWith(k8sEnv(container));
    int grpc = settings.getInt("enas.server.port");
    assertThat(grpc).isEqualTo(8980);
    Map<String, Integer> ports = containerPorts(container);
    assertThat(ports)
        .containsEntry("grpc", grpc)
        .containsEntry("http", settings.getInt("enas.http.port"));
    for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
      Map<String, Object> p = at(container, probe);
      assertThat(p).as(probe).doesNotContainKeys("httpGet", "tcpSocket", "exec");
      assertThat(at(p, "grpc")).as(probe).containsEntry("port", grpc).doesNotContainKey("service");
    }
    // Startup may recover every search from the journal: as long as the recovery may take.
    Map<String, Object> startup = at(container, "startupProbe");
    long startupSeconds =
        (long) (Integer) startup.get("periodSeconds") * (Integer) startup.get("failureThreshold");
    assertThat(startupSeconds)
        .isGreaterThanOrEqualTo(settings.getDuration("enas.journal.recovery-timeout").toSeconds());
    // Stopping leaves the server its shutdown grace to snapshot its searches.
    assertThat((long) (Integer) at(nodePod(), "spec").get("terminationGracePeriodSeconds"))
        .isGreaterThan(settings.getDuration("enas.shutdown-grace").toSeconds());
  }

  @Test
  void servicesSelectTheNodesAndNameTheirPorts() throws IOException {
    Map<String, Map<String, Object>> all = k8s();
    Map<String, Object> labels = at(nodePod(), "metadata", "labels");
    Map<String, Integer> ports = containerPorts(nodeContainer());
    Map<String, Object> clients = all.get("Service/enas");
    Map<String, Object> nodes =
        all.get("Service/" + at(all.get("StatefulSet/enas"), "spec").get("serviceName"));
    assertThat(clients).isNotNull();
    assertThat(nodes).as("the StatefulSet's service").isNotNull();
    assertThat(at(nodes, "spec"))
        .containsEntry("clusterIP", "None")
        .containsEntry("publishNotReadyAddresses", true);
    for (Map<String, Object> service : List.of(clients, nodes)) {
      assertThat(labels).containsAllEntriesOf(at(service, "spec", "selector"));
      for (Object p : list(at(service, "spec").get("ports"))) {
        Map<String, Object> port = map(p);
        assertThat(ports).containsKey(String.valueOf(port.get("targetPort")));
        assertThat(port.get("port")).isEqualTo(ports.get(String.valueOf(port.get("targetPort"))));
      }
    }
    assertThat(list(at(clients, "spec").get("ports")).stream().map(p -> map(p).get("port")))
        .containsExactlyInAnyOrder(ports.get("grpc"), ports.get("http"));
  }

  @Test
  void modelsSnapshotsAndDataSetsAreOnTheReadWriteManyVolume() throws IOException {
    Map<String, Map<String, Object>> all = k8s();
    Map<String, Object> container = nodeContainer();
    Config settings = settingsWith(k8sEnv(container));
    Map<String, String> mounts = new LinkedHashMap<>();
    for (Object m : list(container.get("volumeMounts"))) {
      mounts.put(String.valueOf(map(m).get("mountPath")), String.valueOf(map(m).get("name")));
    }
    String shared = imageSharedFolder();
    assertThat(mounts).containsKey(shared);
    Map<String, Object> volume =
        list(at(nodePod(), "spec").get("volumes")).stream()
            .map(DeployManifestsTest::map)
            .filter(v -> mounts.get(shared).equals(v.get("name")))
            .findFirst()
            .orElseThrow();
    Object claim = at(volume, "persistentVolumeClaim").get("claimName");
    Map<String, Object> pvc = all.get("PersistentVolumeClaim/" + claim);
    assertThat(pvc).as("PersistentVolumeClaim/%s", claim).isNotNull();
    assertThat(list(at(pvc, "spec").get("accessModes"))).containsExactly("ReadWriteMany");

    String snapshots = k8sEnv(container).get("ENAS_SNAPSHOTS_DIRECTORY");
    List<String> roots = settings.getStringList("enas.data.roots");
    assertThat(roots).hasSize(1);
    for (String folder :
        List.of(settings.getString("enas.serving.repository"), snapshots, roots.get(0))) {
      assertThat(under(folder, shared)).as("%s on the shared volume", folder).isTrue();
    }
    // The data folder is each pod's own volume.
    String data = settings.getString("enas.data-dir");
    assertThat(mounts).containsKey(data);
    List<Object> templates =
        list(at(all.get("StatefulSet/enas"), "spec").get("volumeClaimTemplates"));
    assertThat(templates.stream().map(t -> at(map(t), "metadata").get("name")))
        .contains(mounts.get(data));
  }

  @Test
  void eachNodeAsksForOneGpuAndRunsTheImagesUser() throws IOException {
    Map<String, Object> container = nodeContainer();
    assertThat(at(container, "resources", "limits")).containsEntry("nvidia.com/gpu", 1);
    int[] user = imageUser();
    assertThat(at(nodePod(), "spec", "securityContext"))
        .containsEntry("runAsUser", user[0])
        .containsEntry("runAsGroup", user[1])
        .containsEntry("fsGroup", user[1]);
    // The image of the Dockerfile (as compose builds it), its entry point kept: args only.
    Map<String, Object> composeNode = composeNodes(compose()).values().iterator().next();
    assertThat(container.get("image")).isEqualTo(composeNode.get("image"));
    assertThat(container).doesNotContainKey("command");
    assertThat(list(container.get("args"))).isEqualTo(list(composeNode.get("command")));
  }

  @Test
  void theJournalIsThePostgresServiceWithThePasswordFromTheSecret() throws Exception {
    Map<String, Map<String, Object>> all = k8s();
    Map<String, Object> container = nodeContainer();
    Config journal = settingsWith(k8sEnv(container)).getConfig("enas.journal");
    URI url = URI.create(journal.getString("url").substring("jdbc:".length()));
    Map<String, Object> service = all.get("Service/" + url.getHost());
    assertThat(service).as("Service/%s of the journal url", url.getHost()).isNotNull();
    assertThat(list(at(service, "spec").get("ports")).stream().map(p -> map(p).get("port")))
        .contains(url.getPort());
    assertJournalClassesExist(journal);

    Map<String, Object> pg =
        map(
            list(at(all.get("StatefulSet/postgres"), "spec", "template", "spec").get("containers"))
                .get(0));
    assertThat(at(all.get("StatefulSet/postgres"), "spec", "template", "metadata", "labels"))
        .containsAllEntriesOf(at(service, "spec", "selector"));
    Map<String, String> pgEnv = k8sEnv(pg);
    assertThat(url.getPath()).isEqualTo("/" + pgEnv.get("POSTGRES_DB"));
    assertThat(journal.getString("user")).isEqualTo(pgEnv.get("POSTGRES_USER"));

    Map<String, Object> ref = at(valueFrom(container, "ENAS_JOURNAL_PASSWORD"), "secretKeyRef");
    assertThat(at(valueFrom(pg, "POSTGRES_PASSWORD"), "secretKeyRef")).isEqualTo(ref);
    Map<String, Object> secret = all.get("Secret/" + ref.get("name"));
    assertThat(secret).as("Secret/%s", ref.get("name")).isNotNull();
    assertThat(at(secret, "stringData")).containsKey(String.valueOf(ref.get("key")));
  }
}
