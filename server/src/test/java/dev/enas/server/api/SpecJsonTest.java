package dev.enas.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.util.JsonFormat;
import dev.enas.server.domain.SearchBackendException.InvalidSpec;
import dev.enas.spec.DeriveSpec;
import dev.enas.spec.SearchSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The spec text an exported model carries: protobuf JSON that reads back as the same spec. */
class SpecJsonTest {

  @Test
  void everySpaceSpecReadsBackAsItself() throws Exception {
    SearchSpec d = SearchSpec.demo();
    SearchSpec random =
        new SearchSpec(
            d.space(),
            d.data(),
            d.child(),
            d.shared(),
            d.controller().withKind("random"),
            d.derive().withSelection(DeriveSpec.BEST_REWARD),
            d.retrain(),
            -42);
    for (SearchSpec spec :
        List.of(
            SearchSpec.defaults("macro"),
            SearchSpec.defaults("micro"),
            SearchSpec.rnnDemo(),
            SearchSpec.smoke("macro", 17),
            d,
            random)) {
      String json = SpecJson.print(spec);
      assertThat(json).doesNotContain("\n");
      assertThat(SpecJson.parse(json)).isEqualTo(spec);
    }
  }

  @Test
  void itIsTheWireSpecsJsonWithProtoFieldNamesSoAnyProtobufJsonParserReadsIt() throws Exception {
    SearchSpec spec = SearchSpec.smoke("rnn", 3);
    String json = SpecJson.print(spec);

    JsonNode tree = new ObjectMapper().readTree(json);
    assertThat(tree.get("seed").asLong()).isEqualTo(3);
    assertThat(tree.get("space").get("kind").asText()).isEqualTo("SEARCH_SPACE_RNN");
    assertThat(tree.get("controller").has("learning_rate")).isTrue();

    dev.enas.proto.v1.SearchSpec.Builder wire = dev.enas.proto.v1.SearchSpec.newBuilder();
    JsonFormat.parser().merge(json, wire);
    assertThat(wire.build()).isEqualTo(SpecMapper.toWire(spec));
  }

  @Test
  void textThatIsNotASpecIsRefusedAndABadSpecNamesItsField() {
    assertThatThrownBy(() -> SpecJson.parse("space=macro layers=6"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not protobuf JSON of a SearchSpec");
    assertThatThrownBy(() -> SpecJson.parse("{\"no_such_field\": 1}"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> SpecJson.parse("{\"space\": {\"kind\": \"SEARCH_SPACE_MACRO\", \"layers\": -1}}"))
        .isInstanceOfSatisfying(
            InvalidSpec.class, e -> assertThat(e.getMessage()).contains("layers"));
  }
}
