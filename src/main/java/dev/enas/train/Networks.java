package dev.enas.train;

import dev.enas.space.Architecture;
import dev.enas.space.MacroArchitecture;
import dev.enas.space.MacroSpace;
import dev.enas.spec.ChildSpec;
import dev.enas.spec.LanguageModelSpec;
import dev.enas.spec.SearchSpec;
import dev.enas.spec.TrainingSpec;
import dev.enas.supernet.NetworkSpec;
import dev.enas.supernet.RnnNetworkSpec;
import dev.enas.supernet.SgdSettings;

/** Translates the search spec into the supernet package's network and optimiser settings. */
public final class Networks {
  private Networks() {}

  /**
   * The network the shared weights form, widening at each reduction in both image spaces: the shape
   * every child is retrained in. (The released code searches macro at a constant width; on the
   * embedded Fashion-MNIST a widening 12-channel supernet reached a loss of 0.99 after 60 steps
   * where the constant-width one was at 1.43, and the rewards that rank children come from these
   * weights.)
   */
  public static NetworkSpec searchNetwork(SearchSpec spec, SearchData data) {
    boolean macro = "macro".equals(spec.space().kind());
    ChildSpec child = spec.child();
    int depth = macro ? spec.space().layers() : child.cellsPerStack();
    return new NetworkSpec(
        depth,
        child.channels(),
        data.classes(),
        data.train().channels(),
        data.train().height(),
        data.train().width(),
        (float) child.dropout(),
        true);
  }

  /** The standalone network the derived child is retrained in: wider, and widening. */
  public static NetworkSpec retrainNetwork(
      SearchSpec spec, SearchData data, Architecture architecture) {
    ChildSpec child = spec.retrain().network();
    int depth =
        architecture.space() instanceof MacroSpace
            ? ((MacroArchitecture) architecture).layers()
            : child.cellsPerStack();
    return new NetworkSpec(
        depth,
        child.channels(),
        data.classes(),
        data.train().channels(),
        data.train().height(),
        data.train().width(),
        (float) child.dropout(),
        true);
  }

  /**
   * A recurrent language model of the corpus's vocabulary at the width of {@code network.channels},
   * with the output dropout of {@code network.dropout} and the other two of {@code languageModel}.
   */
  public static RnnNetworkSpec rnnNetwork(
      ChildSpec network, LanguageModelSpec languageModel, SearchData data) {
    return new RnnNetworkSpec(
        data.corpus().vocabulary().size(),
        network.channels(),
        (float) languageModel.embeddingDropout(),
        (float) languageModel.inputDropout(),
        (float) network.dropout());
  }

  public static SgdSettings sgd(TrainingSpec training) {
    return new SgdSettings(training.momentum(), training.weightDecay(), training.gradientClip());
  }
}
