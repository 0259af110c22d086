package dev.enas.server.api;

import dev.enas.proto.v1.Search;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The search RPCs that change something, as the HTTP adapter (the dashboard's buttons) reaches
 * them: answered by the gRPC service's own code, with its checks, admission, limits, ownership and
 * audit lines. It names no gRPC class; a refusal fails the stage with the {@link
 * SearchBackendException} of the same meaning as the gRPC status.
 */
public interface SearchControl {
  /** What the dashboard can do to one search. */
  enum Action {
    CANCEL,
    PAUSE,
    RESUME,
    DELETE
  }

  /** The presets {@link #start} takes, as the CLI's {@code --preset} names them. */
  List<String> presets();

  /**
   * CreateSearch with a preset's spec.
   *
   * @param preset one of {@link #presets()}
   * @param space macro, micro or rnn
   * @param seed the search's seed
   * @param searchId the id to give it, or empty for one the server chooses
   */
  CompletionStage<Search> start(String preset, String space, long seed, String searchId);

  /** CancelSearch, PauseSearch, ResumeSearch or DeleteSearch. */
  CompletionStage<Search> act(Action action, String searchId);
}
