package dev.enas.server.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.enas.data.EmbeddedData;
import dev.enas.data.ImageDataset;
import dev.enas.proto.inference.GRPCInferenceServiceGrpc;
import dev.enas.proto.inference.ModelInferRequest;
import dev.enas.proto.inference.ModelInferResponse;
import dev.enas.proto.inference.RawContents;
import dev.enas.proto.v1.CreateSearchRequest;
import dev.enas.proto.v1.GetSearchRequest;
import dev.enas.proto.v1.Search;
import dev.enas.proto.v1.SearchServiceGrpc;
import dev.enas.proto.v1.SearchState;
import dev.enas.server.api.SpecMapper;
import dev.enas.space.SearchSpaces;
import dev.enas.spec.SearchSpec;
import dev.enas.spec.TrainingSpec;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The dashboard in a real browser (Debian's chromium, driven through its chromium-driver by
 * Selenium, which downloads nothing) against the real server running a real small search: the
 * search appears in the list, its curves gain points while it runs, and the architectures the page
 * draws have exactly the nodes and edges the engine parses from their text, in all three spaces,
 * and a connection cut in the middle (a relay between browser and server drops it) resumes with no
 * missing and no repeated event. Without chromium this skips locally and fails under CI=true.
 */
@Tag("slow")
class BrowserDashboardTest {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path DRIVER = Path.of("/usr/bin/chromedriver");
  private static EnasServer server;
  private static ManagedChannel channel;
  private static ChromeDriver browser;

  @TempDir static Path dataDir;

  @BeforeAll
  static void start() throws Exception {
    ExternalClients.require(
        Files.isExecutable(CHROMIUM), "chromium", "apt-get install -y chromium");
    ExternalClients.require(
        Files.isExecutable(DRIVER), "chromedriver", "apt-get install -y chromium-driver");
    long started = System.nanoTime();
    server = LoopbackServers.start(LoopbackServers.config(dataDir));
    channel = LoopbackServers.channel(server);
    // With the driver named, Selenium has nothing to look up or download.
    System.setProperty("webdriver.chrome.driver", DRIVER.toString());
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1400,1000");
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(new File(DRIVER.toString()))
            .usingAnyFreePort()
            .build();
    long browserStart = System.nanoTime();
    browser = new ChromeDriver(service, options);
    System.err.printf(
        "BrowserDashboardTest: server %.1f s, browser %.1f s%n",
        (browserStart - started) / 1e9, (System.nanoTime() - browserStart) / 1e9);
  }

  @AfterAll
  static void stop() throws Exception {
    if (browser != null) {
      browser.quit();
    }
    if (channel != null) {
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.close();
    }
  }

  private static String url(String path) {
    return "http://127.0.0.1:" + server.httpPort() + path;
  }

  private static Object script(String code, Object... args) {
    return ((JavascriptExecutor) browser).executeScript(code, args);
  }

  /** Polls until the condition holds; fails naming it after the timeout. */
  private static void await(String what, Duration timeout, Supplier<Boolean> condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (Boolean.TRUE.equals(condition.get())) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("timed out waiting for " + what);
  }

  @Test
  void aRunningSearchIsListedAndItsCurvesGainPointsUntilItEnds() throws Exception {
    SearchServiceGrpc.SearchServiceBlockingStub stub = SearchServiceGrpc.newBlockingStub(channel);
    // The smoke search with 150 shared steps an epoch, so that the page is seen mid-training.
    SearchSpec smoke = SearchSpec.smoke("macro", 13);
    TrainingSpec t = smoke.shared();
    int sharedSteps = t.epochs() * 150;
    SearchSpec spec =
        new SearchSpec(
            smoke.space(),
            smoke.data(),
            smoke.child(),
            new TrainingSpec(
                t.epochs(),
                150,
                t.learningRateMax(),
                t.learningRateMin(),
                t.restartPeriod(),
                t.restartMultiplier(),
                t.momentum(),
                t.weightDecay(),
                t.gradientClip(),
                t.maxNonFiniteSteps()),
            smoke.controller(),
            smoke.derive(),
            smoke.retrain(),
            smoke.seed());
    String id =
        stub.createSearch(
                CreateSearchRequest.newBuilder()
                    .setSearchId("browser-1")
                    .setSpec(SpecMapper.toWire(spec))
                    .build())
            .getId();

    browser.get(url("/"));
    await(
        "the search in the list",
        Duration.ofSeconds(30),
        () -> !browser.findElements(By.cssSelector("tr[data-search-id='" + id + "']")).isEmpty());
    screenshot("searches");

    browser.get(url("/search?id=" + id));
    String points = "return Chart.getChart('loss-chart').data.datasets[0].data.length";
    // Seen mid-training: some points, not yet all (the page follows the search live).
    await(
        "a loss curve that has some of its points but not all",
        Duration.ofMinutes(2),
        () -> {
          int n = ((Number) script(points)).intValue();
          return n > 0 && n < sharedSteps;
        });
    if (screenshotsWanted()) {
      // A picture with more on it: the second epoch, with rewards and an architecture drawn.
      await(
          "rewards on the page",
          Duration.ofMinutes(2),
          () ->
              ((Number)
                              script(
                                  "return Chart.getChart('reward-chart').data.datasets[0].data.length"))
                          .intValue()
                      > 0
                  || browser.findElement(By.id("connection")).getText().contains("ended"));
      Thread.sleep(3000);
      screenshot("search-running");
    }
    await(
        "the search's end on the page",
        Duration.ofMinutes(5),
        () -> browser.findElement(By.id("connection")).getText().contains("ended"));
    long late = ((Number) script(points)).longValue();
    Search done = stub.getSearch(GetSearchRequest.newBuilder().setSearchId(id).build());
    assertThat(late)
        .as("loss points, one per shared step")
        .isEqualTo(done.getProgress().getSteps())
        .isEqualTo(sharedSteps);
    assertThat(browser.findElement(By.id("event-count")).getText())
        .isEqualTo(Long.toString(done.getEventCount()));
    assertThat(browser.findElement(By.id("result")).getText()).startsWith("test accuracy");
    // The derived architecture is drawn once the search has finished.
    assertThat(browser.findElement(By.id("arch-text")).getText())
        .isEqualTo(done.getResult().getArchitecture().getEncoding());
    assertDrawn(done.getResult().getArchitecture().getEncoding());

    browser.get(url("/"));
    // The list fills in after the page's first fetch: find the row only once it is there.
    await(
        "the finished search's state in the list",
        Duration.ofSeconds(30),
        () ->
            browser.findElements(By.cssSelector("tr[data-search-id='" + id + "']")).stream()
                .anyMatch(row -> row.getText().contains("SUCCEEDED")));
  }

  @Test
  void aConnectionCutInTheMiddleResumesWithNoMissingAndNoRepeatedEvent() throws Exception {
    SearchServiceGrpc.SearchServiceBlockingStub stub = SearchServiceGrpc.newBlockingStub(channel);
    String id =
        stub.createSearch(
                CreateSearchRequest.newBuilder()
                    .setSearchId("browser-cut")
                    .setSpec(SpecMapper.toWire(slowSmoke(17, 300)))
                    .build())
            .getId();
    try (CuttingProxy proxy = new CuttingProxy(server.httpPort())) {
      browser.get("http://127.0.0.1:" + proxy.port() + "/search?id=" + id);
      String received = "return window.enasStream ? window.enasStream.received.length : 0";
      String ended = "return document.getElementById('connection').textContent.includes('ended')";
      await(
          "some events on the page",
          Duration.ofMinutes(2),
          () -> ((Number) script(received)).intValue() >= 10);
      int cuts = 0;
      // Cut while events still arrive, twice if the search is still running after the first.
      for (int round = 0; round < 2 && !(Boolean) script(ended); round++) {
        int before = ((Number) script(received)).intValue();
        assertThat(proxy.cutAll()).as("connections cut").isPositive();
        cuts++;
        int opened = cuts + 1;
        await(
            "the page's reconnect after cut " + cuts,
            Duration.ofSeconds(60),
            () ->
                ((Number) script("return window.enasStream.opened")).intValue() >= opened
                    || (Boolean) script(ended));
        await(
            "events after cut " + cuts,
            Duration.ofMinutes(2),
            () -> ((Number) script(received)).intValue() > before + 10 || (Boolean) script(ended));
      }
      assertThat(cuts).as("cuts made while the search ran").isPositive();
      await("the search's end on the page", Duration.ofMinutes(5), () -> (Boolean) script(ended));
      Search done = stub.getSearch(GetSearchRequest.newBuilder().setSearchId(id).build());
      @SuppressWarnings("unchecked")
      List<Number> sequences = (List<Number>) script("return window.enasStream.received");
      List<Long> expected = new ArrayList<>();
      for (long i = 0; i < done.getEventCount(); i++) {
        expected.add(i);
      }
      System.err.printf(
          "BrowserDashboardTest: %d cuts, %d events, %d stream connections%n",
          cuts, sequences.size(), ((Number) script("return window.enasStream.opened")).intValue());
      assertThat(sequences.stream().map(Number::longValue).toList())
          .as("sequences the page received across %d cuts", cuts)
          .isEqualTo(expected);
      assertThat(((Number) script("return window.enasStream.opened")).intValue())
          .as("stream connections opened")
          .isGreaterThan(cuts);
      assertThat(proxy.accepted()).as("connections through the proxy").isGreaterThan(cuts);
      assertThat(
              ((Number) script("return Chart.getChart('loss-chart').data.datasets[0].data.length"))
                  .longValue())
          .as("loss points, one per shared step")
          .isEqualTo(done.getProgress().getSteps());
    }
  }

  @Test
  void aTestImageTriedOnTheModelsPageGetsModelInfersTopClasses() throws Exception {
    SearchServiceGrpc.SearchServiceBlockingStub stub = SearchServiceGrpc.newBlockingStub(channel);
    String id =
        stub.createSearch(
                CreateSearchRequest.newBuilder()
                    .setSearchId("browser-model")
                    .setSpec(SpecMapper.toWire(SearchSpec.smoke("macro", 21)))
                    .build())
            .getId();
    Search done = awaitEnd(stub, id);
    assertThat(done.getState()).isEqualTo(SearchState.SEARCH_STATE_SUCCEEDED);
    String model = done.getModelName();
    ImageDataset test = EmbeddedData.fashionMnistTest();

    browser.get(url("/models"));
    await(
        "the model in the list",
        Duration.ofSeconds(30),
        () -> !browser.findElements(By.cssSelector("tr[data-model='" + model + "']")).isEmpty());
    browser.findElement(By.cssSelector("tr[data-model='" + model + "']")).click();
    await(
        "the model's try-it section",
        Duration.ofSeconds(30),
        () -> browser.findElement(By.id("try")).isDisplayed());
    // The published architecture, drawn with exactly its nodes and edges.
    String architecture = done.getResult().getArchitecture().getEncoding();
    assertThat(browser.findElement(By.id("arch-text")).getText()).isEqualTo(architecture);
    assertDrawn(architecture);

    GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub inference =
        GRPCInferenceServiceGrpc.newBlockingStub(channel);
    for (int image = 0; image < 4; image++) {
      Path png = dataDir.resolve("test-" + image + ".png");
      float[] pixels = writeGreyPng(test, image, png);
      ModelInferResponse answer =
          inference.modelInfer(
              ModelInferRequest.newBuilder()
                  .setModelName(model)
                  .addInputs(
                      ModelInferRequest.InferInputTensor.newBuilder()
                          .setName("input")
                          .setDatatype("FP32")
                          .addAllShape(
                              List.of(
                                  1L,
                                  (long) test.channels(),
                                  (long) test.height(),
                                  (long) test.width())))
                  .addRawInputContents(RawContents.ofFloats(pixels))
                  .addOutputs(
                      ModelInferRequest.InferRequestedOutputTensor.newBuilder()
                          .setName("probabilities"))
                  .build());
      List<Integer> served = topClasses(answer, 5);
      float[] probabilities = RawContents.toFloats(answer.getRawOutputContents(0));
      if (image % 2 == 0) {
        browser.findElement(By.id("image-file")).sendKeys(png.toString());
      } else {
        // Dropped on the page: a file staged in an input of its own, dropped on the drop zone.
        script(
            "const staging = document.createElement('input'); staging.type = 'file';"
                + " staging.id = 'staging'; document.body.appendChild(staging);");
        browser.findElement(By.id("staging")).sendKeys(png.toString());
        script(
            "const staging = document.getElementById('staging');"
                + " const transfer = new DataTransfer(); transfer.items.add(staging.files[0]);"
                + " document.getElementById('drop').dispatchEvent(new DragEvent('drop',"
                + " { dataTransfer: transfer, bubbles: true, cancelable: true })); staging.remove();");
      }
      String name = png.getFileName().toString();
      await(
          "the top classes of " + name,
          Duration.ofSeconds(60),
          () ->
              browser.findElement(By.id("infer-status")).getText().startsWith(name + ":")
                  && browser.findElements(By.cssSelector("#top5 li")).size() == 5);
      List<Integer> shown =
          browser.findElements(By.cssSelector("#top5 li")).stream()
              .map(li -> Integer.parseInt(li.getAttribute("data-class-index")))
              .toList();
      assertThat(shown)
          .as("top five classes of test image %d on the page", image)
          .isEqualTo(served);
      // The same numbers, not only the same order: the page sent the very pixels ModelInfer got.
      List<WebElement> items = browser.findElements(By.cssSelector("#top5 li"));
      for (int rank = 0; rank < items.size(); rank++) {
        assertThat(Double.parseDouble(items.get(rank).getAttribute("data-probability")))
            .as("probability of class %d for test image %d", served.get(rank), image)
            .isCloseTo(probabilities[served.get(rank)], within(1e-6));
      }
      assertThat(browser.findElement(By.cssSelector("#top5 li")).getText())
          .startsWith(test.classNames().get(served.get(0)));
    }
    // Tall enough to show the top classes under the drawing.
    browser.manage().window().setSize(new Dimension(1400, 1200));
    screenshot("model");
    browser.manage().window().setSize(new Dimension(1400, 1000));
  }

  @Test
  void theSearchesPageStartsPausesResumesCancelsAndDeletesSearches() throws Exception {
    SearchServiceGrpc.SearchServiceBlockingStub stub = SearchServiceGrpc.newBlockingStub(channel);
    browser.get(url("/"));
    script(
        "document.getElementById('start-preset').value = 'smoke';"
            + " document.getElementById('start-space').value = 'micro';");
    WebElement seed = browser.findElement(By.id("start-seed"));
    seed.clear();
    seed.sendKeys("5");
    browser.findElement(By.id("start-id")).sendKeys("browser-start");
    browser.findElement(By.id("start-button")).click();
    await(
        "the started search",
        Duration.ofSeconds(30),
        () ->
            browser.findElement(By.id("action-status")).getText().equals("started browser-start"));
    Search started =
        stub.getSearch(GetSearchRequest.newBuilder().setSearchId("browser-start").build());
    assertThat(started.getSpec()).isEqualTo(SpecMapper.toWire(SearchSpec.smoke("micro", 5)));

    String id =
        stub.createSearch(
                CreateSearchRequest.newBuilder()
                    .setSearchId("browser-ctl")
                    .setSpec(SpecMapper.toWire(slowSmoke(23, 5000)))
                    .build())
            .getId();
    Supplier<Search> now =
        () -> stub.getSearch(GetSearchRequest.newBuilder().setSearchId(id).build());
    click(id, "pause");
    await("the search paused", Duration.ofMinutes(1), () -> now.get().getPaused());
    await("the page showing it paused", Duration.ofSeconds(30), () -> row(id).contains("paused"));
    click(id, "resume");
    await("the search resumed", Duration.ofMinutes(1), () -> !now.get().getPaused());
    click(id, "cancel");
    await(
        "the search cancelled",
        Duration.ofMinutes(1),
        () -> now.get().getState() == SearchState.SEARCH_STATE_CANCELLED);
    click(id, "delete");
    await(
        "the search gone",
        Duration.ofMinutes(1),
        () -> {
          try {
            return now.get() == null;
          } catch (StatusRuntimeException e) {
            return e.getStatus().getCode() == Status.Code.NOT_FOUND;
          }
        });
    await(
        "its row gone",
        Duration.ofSeconds(30),
        () -> browser.findElements(By.cssSelector("tr[data-search-id='" + id + "']")).isEmpty());
  }

  /** Clicks a search's button on the searches page, which redraws its rows every two seconds. */
  private static void click(String id, String action) throws InterruptedException {
    await(
        "the " + action + " button of " + id,
        Duration.ofSeconds(30),
        () -> {
          try {
            List<WebElement> buttons =
                browser.findElements(
                    By.cssSelector(
                        "tr[data-search-id='" + id + "'] button[data-action='" + action + "']"));
            if (buttons.isEmpty()) {
              return false;
            }
            buttons.get(0).click();
            return true;
          } catch (StaleElementReferenceException e) {
            return false; // redrawn under the click: try again
          }
        });
    await(
        "the page's answer to " + action,
        Duration.ofSeconds(30),
        () -> browser.findElement(By.id("action-status")).getText().endsWith(action + ": " + id));
  }

  /** The text of a search's row, or "" while it is not there. */
  private static String row(String id) {
    try {
      return browser.findElements(By.cssSelector("tr[data-search-id='" + id + "']")).stream()
          .map(WebElement::getText)
          .findFirst()
          .orElse("");
    } catch (StaleElementReferenceException e) {
      return "";
    }
  }

  /** Polls the search until it has ended. */
  private static Search awaitEnd(SearchServiceGrpc.SearchServiceBlockingStub stub, String id)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
    while (System.nanoTime() < deadline) {
      Search search = stub.getSearch(GetSearchRequest.newBuilder().setSearchId(id).build());
      if (search.hasEndTime()) {
        return search;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("search " + id + " did not end in 5 minutes");
  }

  /** Writes test image {@code index} as a grey PNG; returns its pixels in [0, 1] as sent. */
  private static float[] writeGreyPng(ImageDataset test, int index, Path file) throws Exception {
    assertThat(test.channels()).isEqualTo(1);
    BufferedImage picture =
        new BufferedImage(test.width(), test.height(), BufferedImage.TYPE_BYTE_GRAY);
    ByteBuffer raw = test.pixelBuffer();
    int size = test.imageSize();
    float[] pixels = new float[size];
    for (int y = 0; y < test.height(); y++) {
      for (int x = 0; x < test.width(); x++) {
        int value = raw.get(index * size + y * test.width() + x) & 0xff;
        picture.getRaster().setSample(x, y, 0, value);
        pixels[y * test.width() + x] = value / 255f;
      }
    }
    assertThat(ImageIO.write(picture, "png", file.toFile())).isTrue();
    return pixels;
  }

  /** The classes of a one-image response, most probable first. */
  private static List<Integer> topClasses(ModelInferResponse response, int count) {
    float[] probabilities = RawContents.toFloats(response.getRawOutputContents(0));
    List<Integer> order = new ArrayList<>();
    for (int k = 0; k < probabilities.length; k++) {
      order.add(k);
    }
    order.sort(Comparator.comparingDouble((Integer k) -> -probabilities[k]));
    return order.subList(0, count);
  }

  /**
   * Saves what the browser shows as {@code docs/screenshots/NAME.png} of the repository when the
   * system property or environment variable {@code ENAS_SCREENSHOTS} is {@code true}.
   */
  private static void screenshot(String name) throws Exception {
    if (!screenshotsWanted()) {
      return;
    }
    Path dir = Path.of("..", "docs", "screenshots");
    Files.createDirectories(dir);
    byte[] png = browser.getScreenshotAs(OutputType.BYTES);
    Files.write(dir.resolve(name + ".png"), png);
    System.err.println("BrowserDashboardTest: screenshot " + dir.resolve(name + ".png"));
  }

  private static boolean screenshotsWanted() {
    return "true"
        .equalsIgnoreCase(
            System.getProperty("ENAS_SCREENSHOTS", System.getenv("ENAS_SCREENSHOTS")));
  }

  /** The macro smoke search with {@code stepsPerEpoch} shared steps an epoch: slow to watch. */
  private static SearchSpec slowSmoke(long seed, int stepsPerEpoch) {
    SearchSpec smoke = SearchSpec.smoke("macro", seed);
    TrainingSpec t = smoke.shared();
    return new SearchSpec(
        smoke.space(),
        smoke.data(),
        smoke.child(),
        new TrainingSpec(
            t.epochs(),
            stepsPerEpoch,
            t.learningRateMax(),
            t.learningRateMin(),
            t.restartPeriod(),
            t.restartMultiplier(),
            t.momentum(),
            t.weightDecay(),
            t.gradientClip(),
            t.maxNonFiniteSteps()),
        smoke.controller(),
        smoke.derive(),
        smoke.retrain(),
        smoke.seed());
  }

  @Test
  void theDrawnGraphHasExactlyTheEnginesNodesAndEdgesInEverySpace() throws Exception {
    browser.get(url("/search?id=nothing"));
    await(
        "the drawing code",
        Duration.ofSeconds(30),
        () -> (Boolean) script("return typeof archGraph === 'object' && typeof d3 === 'object'"));
    Random random = new Random(151);
    List<String> encodings = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      encodings.add(ArchitectureDrawingTest.macro(random, 2 + random.nextInt(11)));
      encodings.add(ArchitectureDrawingTest.micro(random, 1 + random.nextInt(5)));
      encodings.add(ArchitectureDrawingTest.rnn(random, 2 + random.nextInt(11)));
    }
    for (String encoding : encodings) {
      script("archGraph.draw(document.getElementById('arch-graph'), arguments[0])", encoding);
      assertDrawn(encoding);
    }
  }

  /** The SVG in #arch-graph has exactly the engine's nodes and edges of {@code encoding}. */
  @SuppressWarnings("unchecked")
  private static void assertDrawn(String encoding) {
    List<Map<String, Object>> drawn =
        (List<Map<String, Object>>)
            script(
                "return Array.from(document.querySelectorAll('#arch-graph g.cell')).map(cell => ({"
                    + " nodes: Array.from(cell.querySelectorAll('g.node')).map(n =>"
                    + "   n.dataset.id + (n.dataset.choice !== undefined ? ':' + n.dataset.choice : '')),"
                    + " edges: Array.from(cell.querySelectorAll('path.edge')).map(e =>"
                    + "   e.dataset.from + '>' + e.dataset.to + ':' + e.dataset.kind"
                    + "   + (e.dataset.op !== undefined ? ':' + e.dataset.op : ''))}))");
    Set<String> nodes = new TreeSet<>();
    List<String> edges = new ArrayList<>();
    for (int c = 0; c < drawn.size(); c++) {
      for (Object node : (List<Object>) drawn.get(c).get("nodes")) {
        nodes.add(c + "/" + node);
      }
      for (Object edge : (List<Object>) drawn.get(c).get("edges")) {
        edges.add(c + "/" + edge);
      }
    }
    edges.sort(null);
    assertThat(nodes)
        .as(encoding)
        .isEqualTo(ArchitectureDrawingTest.expectedNodes(SearchSpaces.parse(encoding)));
    assertThat(edges)
        .as(encoding)
        .isEqualTo(ArchitectureDrawingTest.expectedEdges(SearchSpaces.parse(encoding)));
    List<WebElement> shapes = browser.findElements(By.cssSelector("#arch-graph g.node rect"));
    assertThat(shapes).hasSize(nodes.size());
  }
}
