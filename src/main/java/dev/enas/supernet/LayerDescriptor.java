package dev.enas.supernet;

import java.util.List;

/**
 * One step of a standalone network as built: what it computes ({@code op}: a space operation's
 * short name such as {@code conv3x3} or {@code identity}, or a structural step such as {@code
 * sum_bn}, {@code add}, {@code factorized_reduce}), the named values it reads, and the names of the
 * parameters it owns. Values are named after the step that produces them; {@code image} is the
 * input.
 */
public record LayerDescriptor(
    String name, String op, List<String> inputs, List<String> parameters) {

  public LayerDescriptor {
    inputs = List.copyOf(inputs);
    parameters = List.copyOf(parameters);
  }
}
