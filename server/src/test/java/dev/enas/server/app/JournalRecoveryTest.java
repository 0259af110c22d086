package dev.enas.server.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import dev.enas.proto.v1.ArchitectureOrder;
import dev.enas.proto.v1.CancelSearchRequest;
import dev.enas.proto.v1.CreateSearchRequest;
import dev.enas.proto.v1.DeleteSearchRequest;
import dev.enas.proto.v1.DownloadModelRequest;
import dev.enas.proto.v1.GetArchitectureRequest;
import dev.enas.proto.v1.GetSearchRequest;
import dev.enas.proto.v1.ListArchitecturesRequest;
import dev.enas.proto.v1.ListArchitecturesResponse;
import dev.enas.proto.v1.ListSearchesRequest;
import dev.enas.proto.v1.ListSearchesResponse;
import dev.enas.proto.v1.ModelChunk;
import dev.enas.proto.v1.SearchEvent;
import dev.enas.proto.v1.SearchServiceGrpc;
import dev.enas.proto.v1.WatchSearchRequest;
import dev.enas.server.api.SpecMapper;
import dev.enas.spec.SearchSpec;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Searches outlive their server: a server started on the data directory of a stopped one answers
 * every read of every search exactly as the stopped one did, deleting a search is remembered, and a
 * journal that cannot be opened stops the start with a message naming it.
 */
@Tag("slow")
class JournalRecoveryTest {
  @TempDir Path dataDir;

  private record Server(
      EnasServer server, ManagedChannel channel, SearchServiceGrpc.SearchServiceBlockingStub stub)
      implements AutoCloseable {
    static Server start(Config config) throws IOException {
      EnasServer server = LoopbackServers.start(config);
      ManagedChannel channel = LoopbackServers.channel(server);
      return new Server(server, channel, SearchServiceGrpc.newBlockingStub(channel));
    }

    @Override
    public void close() throws InterruptedException {
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      server.close();
    }
  }

  private static String create(Server s, SearchSpec spec, String id) {
    return s.stub()
        .createSearch(
            CreateSearchRequest.newBuilder()
                .setSpec(SpecMapper.toWire(spec))
                .setSearchId(id)
                .build())
        .getId();
  }

  static List<SearchEvent> watch(SearchServiceGrpc.SearchServiceBlockingStub stub, String id) {
    List<SearchEvent> events = new ArrayList<>();
    stub.withDeadlineAfter(5, TimeUnit.MINUTES)
        .watchSearch(WatchSearchRequest.newBuilder().setSearchId(id).build())
        .forEachRemaining(events::add);
    return events;
  }

  /** Every read of the API, for every search, as one comparable list of answers. */
  private static List<Object> answers(Server s, List<String> ids) {
    return answers(s.stub(), ids);
  }

  /** Every read of the API, for every search, through {@code stub}: one comparable list. */
  static List<Object> answers(SearchServiceGrpc.SearchServiceBlockingStub stub, List<String> ids) {
    List<Object> out = new ArrayList<>();
    String token = "";
    do {
      ListSearchesResponse page =
          stub.listSearches(
              ListSearchesRequest.newBuilder().setPageSize(1).setPageToken(token).build());
      out.add(page);
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    for (String id : ids) {
      out.add(stub.getSearch(GetSearchRequest.newBuilder().setSearchId(id).build()));
      out.add(watch(stub, id));
      for (ArchitectureOrder order :
          List.of(
              ArchitectureOrder.ARCHITECTURE_ORDER_SAMPLED,
              ArchitectureOrder.ARCHITECTURE_ORDER_REWARD)) {
        token = "";
        do {
          ListArchitecturesResponse page =
              stub.listArchitectures(
                  ListArchitecturesRequest.newBuilder()
                      .setSearchId(id)
                      .setPageSize(5)
                      .setPageToken(token)
                      .setOrderBy(order)
                      .build());
          out.add(page);
          token = page.getNextPageToken();
        } while (!token.isEmpty());
      }
      out.add(
          outcome(
              () ->
                  stub.getArchitecture(
                      GetArchitectureRequest.newBuilder().setSearchId(id).setIndex(1).build())));
      out.add(outcome(() -> download(stub, id)));
    }
    return out;
  }

  /** An answer, or the status code and message of a refusal. */
  private static Object outcome(java.util.function.Supplier<Object> call) {
    try {
      return call.get();
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode() + ": " + e.getStatus().getDescription();
    }
  }

  private static Object download(SearchServiceGrpc.SearchServiceBlockingStub stub, String id) {
    Iterator<ModelChunk> chunks =
        stub.downloadModel(DownloadModelRequest.newBuilder().setSearchId(id).build());
    ModelChunk first = chunks.next();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.writeBytes(first.getData().toByteArray());
    chunks.forEachRemaining(c -> bytes.writeBytes(c.getData().toByteArray()));
    return List.of(
        first.getModelName(),
        first.getModelVersion(),
        first.getTotalSize(),
        java.util.Arrays.hashCode(bytes.toByteArray()),
        bytes.size());
  }

  private static Status.Code code(Runnable call) {
    try {
      call.run();
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
    return Status.Code.OK;
  }

  @Test
  void aRestartedServerAnswersForEverySearchAsBefore() throws Exception {
    Config config = LoopbackServers.config(dataDir);
    List<String> ids = List.of("finished-1", "cancelled-2", "finished-3");
    List<Object> before;
    try (Server s = Server.start(config)) {
      create(s, SearchSpec.smoke("macro", 5), ids.get(0));
      create(s, SearchSpec.smoke("macro", 6), ids.get(1));
      s.stub()
          .cancelSearch(
              CancelSearchRequest.newBuilder()
                  .setSearchId(ids.get(1))
                  .setReason("not needed")
                  .build());
      create(s, SearchSpec.smoke("rnn", 7), ids.get(2));
      for (String id : ids) {
        List<SearchEvent> events = watch(s.stub(), id);
        assertThat(events).isNotEmpty();
      }
      before = answers(s, ids);
    }
    // Something that could differ: a succeeded search has its history and model.
    assertThat(before.toString()).contains("SEARCH_STATE_SUCCEEDED", "SEARCH_STATE_CANCELLED");

    try (Server s = Server.start(config)) {
      assertThat(answers(s, ids)).isEqualTo(before);
      // A new search gets the next place and cannot take a recovered id.
      assertThat(code(() -> create(s, SearchSpec.smoke("macro", 8), ids.get(0))))
          .isEqualTo(Status.Code.ALREADY_EXISTS);
    }
    // And once more: recovering a recovered journal changes nothing either.
    try (Server s = Server.start(config)) {
      assertThat(answers(s, ids)).isEqualTo(before);
    }
  }

  /** An event without what another run of the same search cannot repeat. */
  private static SearchEvent comparable(SearchEvent e) {
    SearchEvent.Builder b = e.toBuilder().clearTime().clearSearchId();
    if (e.hasEpochFinished()) {
      b.setEpochFinished(e.getEpochFinished().toBuilder().clearDuration());
    }
    if (e.hasFinished()) {
      b.setFinished(e.getFinished().toBuilder().clearDuration());
    }
    return b.build();
  }

  @Test
  void aSearchRunningWhenTheServerStopsFinishesAfterTheNextStartAsIfUninterrupted()
      throws Exception {
    Config config = LoopbackServers.config(dataDir);
    SearchSpec spec = SearchSpec.smoke("macro", 12);
    List<SearchEvent> reference;
    int seen = 0;
    try (Server s = Server.start(config)) {
      reference = watch(s.stub(), create(s, spec, "reference"));
      create(s, spec, "stopped");
      Iterator<SearchEvent> stream =
          s.stub().watchSearch(WatchSearchRequest.newBuilder().setSearchId("stopped").build());
      while (stream.hasNext()) {
        seen++;
        SearchEvent e = stream.next();
        if (e.hasChildTrained() && e.getChildTrained().getStep() == 2) {
          break;
        }
      }
    }
    try (Server s = Server.start(config)) {
      // Stopping the server did not end the search: it runs again, from its start.
      assertThat(
              s.stub()
                  .getSearch(GetSearchRequest.newBuilder().setSearchId("stopped").build())
                  .getState())
          .isEqualTo(dev.enas.proto.v1.SearchState.SEARCH_STATE_RUNNING);
      List<SearchEvent> after = watch(s.stub(), "stopped");
      assertThat(after.size()).isGreaterThan(seen);
      for (int i = 0; i < after.size(); i++) {
        assertThat(after.get(i).getSequence()).isEqualTo(i);
      }
      assertThat(after.stream().map(JournalRecoveryTest::comparable).toList())
          .isEqualTo(reference.stream().map(JournalRecoveryTest::comparable).toList());
    }
  }

  @Test
  void aDeletedSearchStaysDeletedAndItsModelStays() throws Exception {
    Config config = LoopbackServers.config(dataDir);
    try (Server s = Server.start(config)) {
      create(s, SearchSpec.smoke("macro", 9), "kept");
      create(s, SearchSpec.smoke("macro", 10), "deleted");
      watch(s.stub(), "kept");
      watch(s.stub(), "deleted");
      assertThat(
              code(
                  () ->
                      s.stub()
                          .deleteSearch(
                              DeleteSearchRequest.newBuilder().setSearchId("unknown").build())))
          .isEqualTo(Status.Code.NOT_FOUND);
      // The journal writes the last events just after watchers see them; deleting waits for it.
      Status.Code deleted;
      do {
        deleted =
            code(
                () ->
                    s.stub()
                        .deleteSearch(
                            DeleteSearchRequest.newBuilder().setSearchId("deleted").build()));
      } while (deleted == Status.Code.FAILED_PRECONDITION);
      assertThat(deleted).isEqualTo(Status.Code.OK);
      assertThat(
              code(
                  () ->
                      s.stub()
                          .getSearch(GetSearchRequest.newBuilder().setSearchId("deleted").build())))
          .isEqualTo(Status.Code.NOT_FOUND);

      create(s, SearchSpec.smoke("macro", 11), "running");
      assertThat(
              code(
                  () ->
                      s.stub()
                          .deleteSearch(
                              DeleteSearchRequest.newBuilder().setSearchId("running").build())))
          .isEqualTo(Status.Code.FAILED_PRECONDITION);
      s.stub().cancelSearch(CancelSearchRequest.newBuilder().setSearchId("running").build());
      watch(s.stub(), "running");
    }
    try (Server s = Server.start(config)) {
      ListSearchesResponse all = s.stub().listSearches(ListSearchesRequest.getDefaultInstance());
      assertThat(all.getSearchesList())
          .extracting(dev.enas.proto.v1.Search::getId)
          .containsExactly("kept", "running");
      assertThat(
              code(
                  () ->
                      s.stub()
                          .getSearch(GetSearchRequest.newBuilder().setSearchId("deleted").build())))
          .isEqualTo(Status.Code.NOT_FOUND);
      assertThat(s.server().models().model("deleted")).isPresent();
    }
  }

  @Test
  void aJournalWhoseEntriesCannotBeReadBackFailsTheStartNamingIt() throws Exception {
    Config config = LoopbackServers.config(dataDir);
    try (Server s = Server.start(config)) {
      create(s, SearchSpec.smoke("macro", 13), "damaged");
      s.stub().cancelSearch(CancelSearchRequest.newBuilder().setSearchId("damaged").build());
      watch(s.stub(), "damaged");
    }
    // Take the search's first entry (its creation) away behind the server's back.
    Path file = dataDir.resolve("journal").resolve("enas");
    try (java.sql.Connection db =
            java.sql.DriverManager.getConnection(
                "jdbc:h2:file:" + file + ";DATABASE_TO_UPPER=false", "", "");
        java.sql.Statement sql = db.createStatement()) {
      assertThat(sql.executeUpdate("DELETE FROM \"event_journal\" WHERE \"sequence_number\" = 1"))
          .isEqualTo(1);
    }
    assertThatThrownBy(() -> LoopbackServers.start(config))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(file + ".mv.db")
        .hasMessageContaining("must start with its creation");
  }

  @Test
  void aJournalThatCannotBeOpenedFailsTheStartNamingTheFileAndTheSetting() throws Exception {
    Path file = dataDir.resolve("journal").resolve("enas.mv.db");
    Files.createDirectories(file.getParent());
    Files.writeString(file, "this is not an H2 database\n".repeat(1000));
    assertThatThrownBy(() -> LoopbackServers.start(LoopbackServers.config(dataDir)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("enas.data-dir")
        .hasMessageContaining("enas.journal.url");

    Config elsewhere =
        LoopbackServers.config(dataDir.resolve("other"))
            .withValue(
                "enas.journal.url",
                ConfigValueFactory.fromAnyRef(
                    "jdbc:h2:file:" + file.toString().replace(".mv.db", "")));
    assertThatThrownBy(() -> LoopbackServers.start(elsewhere))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("enas.journal.url");
  }
}
