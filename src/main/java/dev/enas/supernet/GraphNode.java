package dev.enas.supernet;

import java.util.List;
import java.util.Map;

/**
 * One primitive operation of a network's forward pass, recorded from the very code that computes
 * it: the value it produces, the operation ({@code conv}, {@code batch_norm}, {@code relu}, {@code
 * max_pool}, {@code avg_pool}, {@code sum}, {@code concat}, {@code shift}, {@code global_avg_pool},
 * {@code dropout}, {@code linear}), the values it reads ({@code image} is the input), the
 * parameters it reads in order, and integer or real attributes. This is what an exporter walks.
 *
 * <p>Conventions: {@code conv} has {@code stride}, {@code padding}, {@code groups}, no bias, and
 * with several weights uses their concatenation along input channels; {@code batch_norm} reads
 * gamma, beta, mean, variance with {@code epsilon}; pools are 3x3, stride 1, padding 1, and {@code
 * avg_pool} counts the zero padding in its divisor (DJL 0.36 does not pass count_include_pad to
 * PyTorch, whose default includes it; the released ENAS code excluded it); {@code shift} moves the
 * image up and left by one pixel, filling with zeros; {@code concat} joins channels; {@code linear}
 * is x W^T + b.
 */
public record GraphNode(
    String output,
    String op,
    List<String> inputs,
    List<String> parameters,
    Map<String, Number> attributes) {

  public GraphNode {
    inputs = List.copyOf(inputs);
    parameters = List.copyOf(parameters);
    attributes = Map.copyOf(attributes);
  }
}
