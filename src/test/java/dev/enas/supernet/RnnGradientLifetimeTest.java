package dev.enas.supernet;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.enas.data.TokenBatch;
import dev.enas.space.RnnArchitecture;
import dev.enas.space.RnnSpace;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A garbage collection between a window's forward pass and its backward pass changes no gradient.
 * DJL's operations with a plain Java number (x.div(2)) make a scalar tensor over a direct buffer
 * and close it at once, while autograd keeps reading that memory in backward; once the collector
 * frees the buffer, backward reads whatever lies there. The cell averages its loose ends, so that
 * average must divide by a tensor the pass owns.
 */
class RnnGradientLifetimeTest {
  private static final RnnNetworkSpec SPEC = RnnNetworkSpec.of(11, 6);

  @Test
  void aCollectionBeforeBackwardChangesNoGradient() throws InterruptedException {
    // Node 0 feeds two nodes, so the output is the average of two loose ends.
    RnnArchitecture cell = new RnnSpace(3).parse("rnn: 0 | 0 0 | 0 1");
    TokenBatch batch = RnnFixtures.randomBatch(SPEC, 3, 12, true, new Random(9));
    try (RnnLanguageModel model =
        RnnLanguageModel.create(cell, SPEC, new SgdSettings(0, 0, 0), 9)) {
      List<float[]> quiet = gradients(model, cell, batch, false);
      for (int round = 0; round < 3; round++) {
        List<float[]> collected = gradients(model, cell, batch, true);
        for (int i = 0; i < quiet.size(); i++) {
          assertThat(collected.get(i))
              .as("gradient %d, round %d", i, round)
              .containsExactly(quiet.get(i));
        }
      }
    }
  }

  /** The gradients of one window's mean loss, tensor by tensor; zeroed again afterwards. */
  private static List<float[]> gradients(
      RnnLanguageModel model, RnnArchitecture cell, TokenBatch batch, boolean collectBeforeBackward)
      throws InterruptedException {
    RnnCell.Weights w = RnnCell.Weights.of(model.store(), cell);
    int b = batch.batchSize();
    int steps = batch.steps();
    long[] inputs = new long[b * steps];
    long[] targets = new long[b * steps];
    for (int seq = 0; seq < b; seq++) {
      for (int t = 0; t < steps; t++) {
        inputs[t * b + seq] = batch.inputs()[seq * steps + t];
        targets[t * b + seq] = batch.targets()[seq * steps + t];
      }
    }
    List<float[]> gradients = new ArrayList<>();
    synchronized (Steps.AUTOGRAD) {
      Steps.gradientsOff();
      try (NDManager pass = model.store().manager().newSubManager()) {
        NDArray hidden = pass.zeros(new Shape(b, SPEC.hidden()));
        try (GradientCollector collector = pass.getEngine().newGradientCollector()) {
          RnnCell.Window window =
              RnnCell.forward(
                  pass, cell, w, pass.create(inputs), b, steps, hidden, RnnCell.Masks.NONE);
          NDArray loss =
              RnnCell.negativeLogLikelihood(window.logits(), pass.create(targets).reshape(-1, 1))
                  .mean();
          List<ByteBuffer> fillers = collectBeforeBackward ? Fixtures.collectGarbage() : List.of();
          collector.backward(loss);
          Reference.reachabilityFence(fillers);
        }
        Steps.gradientsOff();
        for (Param p : w.all()) {
          NDArray g = p.value().getGradient();
          g.attach(pass);
          gradients.add(g.toFloatArray());
          NesterovSgd.zeroGradient(p);
        }
      }
    }
    return gradients;
  }
}
