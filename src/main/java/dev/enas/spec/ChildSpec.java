package dev.enas.spec;

import java.util.ArrayList;
import java.util.List;

/**
 * Shape of the network children are trained in: during the search (narrow, shared weights) or for
 * the final retraining (wider, from scratch). Depth of a macro network is the architecture's own
 * layer count; a micro network stacks {@code cellsPerStack} normal cells in each of three stacks,
 * with a reduction cell between stacks.
 *
 * @param channels width of the first stage
 * @param cellsPerStack micro: normal cells per stack (paper: 2 in the search, 5 in the final)
 * @param batchSize images per minibatch
 * @param dropout dropout before the classifier
 */
public record ChildSpec(int channels, int cellsPerStack, int batchSize, double dropout) {
  public static final int MAX_CHANNELS = 1024;

  public List<FieldViolation> violations(String prefix) {
    List<FieldViolation> out = new ArrayList<>();
    Checks.intRange(out, prefix + "channels", channels, 2, MAX_CHANNELS);
    if (channels % 2 != 0 && channels >= 2) {
      // Factorized reductions split the channels between two strided paths.
      out.add(new FieldViolation(prefix + "channels", "must be even, was " + channels));
    }
    Checks.intRange(out, prefix + "cellsPerStack", cellsPerStack, 1, 16);
    Checks.intRange(out, prefix + "batchSize", batchSize, 1, 4096);
    Checks.range(out, prefix + "dropout", dropout, 0, 1, false);
    return out;
  }
}
