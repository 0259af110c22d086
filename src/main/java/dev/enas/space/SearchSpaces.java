package dev.enas.space;

/** Entry points that work across spaces: parsing a text whose space is not known in advance. */
public final class SearchSpaces {
  private SearchSpaces() {}

  /**
   * Parses any canonical architecture text, taking the space and its size from the text itself.
   *
   * @throws ArchitectureFormatException naming the position of the first error
   */
  public static Architecture parse(String text) {
    if (text == null) {
      throw new ArchitectureFormatException("architecture text is missing");
    }
    String trimmed = text.strip();
    int colon = trimmed.indexOf(':');
    String kind = colon < 0 ? "" : trimmed.substring(0, colon);
    return switch (kind) {
      case "macro" -> MacroSpace.parseAnyDepth(trimmed);
      case "micro" -> MicroSpace.parseAnySize(trimmed);
      case "rnn" -> RnnSpace.parseAnySize(trimmed);
      default ->
          throw new ArchitectureFormatException(
              "unknown space '"
                  + Encoding.shorten(kind)
                  + "': the text must start with 'macro:', 'micro:' or 'rnn:'");
    };
  }
}
