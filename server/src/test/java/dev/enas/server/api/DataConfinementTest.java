package dev.enas.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.rpc.BadRequest;
import dev.enas.data.DataRoots;
import dev.enas.proto.v1.CreateSearchRequest;
import dev.enas.proto.v1.DataSpec;
import dev.enas.proto.v1.Dataset;
import dev.enas.proto.v1.ListDatasetsRequest;
import dev.enas.proto.v1.SearchSpace;
import dev.enas.proto.v1.SpaceSpec;
import dev.enas.server.security.SearchAdmission;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CreateSearch admits only data sets inside the data roots, and ListDatasets says which those are.
 * Refusals are INVALID_ARGUMENT on {@code spec.data.dataset} and never show a server path or the
 * content of a folder outside the roots.
 */
class DataConfinementTest {
  @TempDir Path temp;
  private Path outside;
  private TestServer test;

  @BeforeEach
  void start() throws IOException {
    Path root = Files.createDirectories(temp.resolve("datasets"));
    outside = Files.createDirectories(temp.resolve("home-of-someone"));
    Files.writeString(outside.resolve("train.txt"), "secret\n");
    Files.writeString(outside.resolve("valid.txt"), "secret\n");
    Files.writeString(outside.resolve("test.txt"), "secret\n");
    Path corpus = Files.createDirectories(root.resolve("sonnet-copy"));
    for (String file : List.of("train.txt", "valid.txt", "test.txt")) {
      Files.writeString(corpus.resolve(file), "shall i compare thee\n");
    }
    Files.createDirectories(root.resolve("mnist"));
    Files.write(root.resolve("mnist/train-images-idx3-ubyte"), new byte[16]);
    Files.writeString(root.resolve("notes.txt"), "a file, not a folder\n");
    Files.createSymbolicLink(root.resolve("link-out"), outside);
    test = TestServer.start(new SearchAdmission(DataRoots.of(List.of(root))));
  }

  @AfterEach
  void stop() {
    test.close();
  }

  @Test
  void aDataSetInsideTheRootsIsAdmitted() {
    var search =
        test.blocking.createSearch(
            CreateSearchRequest.newBuilder().setSpec(rnn("ptb:sonnet-copy")).build());
    assertThat(search.getSpec().getData().getDataset()).isEqualTo("ptb:sonnet-copy");
  }

  @Test
  void pathsThatLeaveTheRootsAreRefusedNamingTheFieldOnly() {
    List<String> refused =
        List.of(
            "ptb:/etc",
            "ptb:" + outside,
            "ptb:../home-of-someone",
            "ptb:sonnet-copy/../../home-of-someone",
            "ptb:link-out",
            "ptb:notes.txt",
            "ptb:missing",
            "idx:/root/.ssh",
            "cifar10:~",
            "ptb:..");
    for (String dataset : refused) {
      StatusRuntimeException e =
          catchThrowableOfType(
              StatusRuntimeException.class,
              () ->
                  test.blocking.createSearch(
                      CreateSearchRequest.newBuilder()
                          .setSpec(dataset.startsWith("ptb:") ? rnn(dataset) : macro(dataset))
                          .build()));
      assertThat(e).as(dataset).isNotNull();
      assertThat(e.getStatus().getCode()).as(dataset).isEqualTo(Status.Code.INVALID_ARGUMENT);
      BadRequest bad = badRequest(e);
      assertThat(bad.getFieldViolationsList())
          .as(dataset)
          .extracting(BadRequest.FieldViolation::getField)
          .containsExactly("spec.data.dataset");
      String everything = e.getStatus().getDescription() + bad;
      assertThat(everything)
          .as(dataset)
          .doesNotContain(temp.toString())
          .doesNotContain("train.txt")
          .doesNotContain("secret");
    }
  }

  @Test
  void listDatasetsNamesTheEmbeddedSetsAndTheFoldersInsideTheRoots() {
    List<Dataset> datasets =
        test.blocking.listDatasets(ListDatasetsRequest.getDefaultInstance()).getDatasetsList();
    assertThat(datasets)
        .extracting(Dataset::getReference)
        .containsExactly("fashion-mnist", "sonnets", "idx:mnist", "ptb:sonnet-copy");
    assertThat(datasets).extracting(Dataset::getText).containsExactly(false, true, false, true);
    assertThat(datasets).extracting(Dataset::getEmbedded).containsExactly(true, true, false, false);
  }

  @Test
  void withoutRootsOnlyTheEmbeddedSetsAreAdmitted() {
    try (TestServer strict = TestServer.start(SearchAdmission.defaults())) {
      StatusRuntimeException e =
          catchThrowableOfType(
              StatusRuntimeException.class,
              () ->
                  strict.blocking.createSearch(
                      CreateSearchRequest.newBuilder().setSpec(rnn("ptb:sonnet-copy")).build()));
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(
              strict
                  .blocking
                  .createSearch(CreateSearchRequest.newBuilder().setSpec(rnn("sonnets")).build())
                  .getSpec()
                  .getData()
                  .getDataset())
          .isEqualTo("sonnets");
    }
  }

  private static BadRequest badRequest(StatusRuntimeException e) {
    try {
      for (com.google.protobuf.Any any : StatusProto.fromThrowable(e).getDetailsList()) {
        if (any.is(BadRequest.class)) {
          return any.unpack(BadRequest.class);
        }
      }
    } catch (com.google.protobuf.InvalidProtocolBufferException ex) {
      throw new AssertionError(ex);
    }
    throw new AssertionError("no BadRequest in " + e);
  }

  private static dev.enas.proto.v1.SearchSpec rnn(String dataset) {
    return dev.enas.proto.v1.SearchSpec.newBuilder()
        .setSpace(SpaceSpec.newBuilder().setKind(SearchSpace.SEARCH_SPACE_RNN))
        .setData(DataSpec.newBuilder().setDataset(dataset))
        .build();
  }

  private static dev.enas.proto.v1.SearchSpec macro(String dataset) {
    return dev.enas.proto.v1.SearchSpec.newBuilder()
        .setSpace(SpaceSpec.newBuilder().setKind(SearchSpace.SEARCH_SPACE_MACRO))
        .setData(DataSpec.newBuilder().setDataset(dataset))
        .build();
  }
}
