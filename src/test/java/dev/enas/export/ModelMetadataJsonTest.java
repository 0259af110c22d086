package dev.enas.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The JSON values inside an exported model's metadata, written and read through Jackson. */
class ModelMetadataJsonTest {

  @Test
  void stringsOfAnyCharacterRoundTrip() {
    List<String> words =
        List.of(
            "plain",
            "quote \" and \\ back",
            "tab\tnew\nline",
            "\u0001",
            "caf\u00e9 \u4e2d \ud83d\ude00",
            "");

    String json = ModelMetadata.jsonStrings(words);

    assertThat(ModelMetadata.parseStrings(json)).isEqualTo(words);
    assertThat(ModelMetadata.jsonStrings(List.of("a\"b"))).isEqualTo("[\"a\\\"b\"]");
  }

  @Test
  void arraysThatAreNotOfStringsAreRefusedWithTheReason() {
    assertThatThrownBy(() -> ModelMetadata.parseStrings("[\"a\", 3]"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("element 1");
    assertThatThrownBy(() -> ModelMetadata.parseStrings("[\"a\", null]"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("element 1");
    assertThatThrownBy(() -> ModelMetadata.parseStrings("{\"a\": 1}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a JSON array");
    assertThatThrownBy(() -> ModelMetadata.parseStrings("[\"unclosed\""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not JSON");
  }

  @Test
  void normalizationFloatsReadBackExactly() {
    float[] mean = {0.2860402f, 1e-8f};
    float[] std = {0.3530239f, 3f};

    String json = ModelMetadata.jsonNormalization(mean, std);

    assertThat(json).isEqualTo("{\"mean\":[0.2860402,1.0E-8],\"std\":[0.3530239,3.0]}");
  }
}
