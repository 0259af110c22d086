package dev.enas.supernet;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs a forward pass symbolically: values are names, and every primitive call becomes a {@link
 * GraphNode}. It computes nothing and touches no array, so it also answers cheaply which parameters
 * an architecture reads.
 */
final class TraceOps implements Ops<String> {
  private final List<GraphNode> nodes = new ArrayList<>();
  private final Set<Param> used = new LinkedHashSet<>();

  List<GraphNode> nodes() {
    return Collections.unmodifiableList(nodes);
  }

  Set<Param> used() {
    return Collections.unmodifiableSet(used);
  }

  @Override
  public String conv(String x, List<Param> weights, int stride, int padding, int groups) {
    return add(
        "conv",
        List.of(x),
        weights,
        Map.of("stride", stride, "padding", padding, "groups", groups));
  }

  @Override
  public String batchNorm(String x, Bn bn) {
    return add("batch_norm", List.of(x), bn.params(), Map.of("epsilon", DjlOps.BN_EPSILON));
  }

  @Override
  public String relu(String x) {
    return add("relu", List.of(x), List.of(), Map.of());
  }

  @Override
  public String pool(String x, boolean max) {
    return add(max ? "max_pool" : "avg_pool", List.of(x), List.of(), Map.of());
  }

  @Override
  public String sum(List<String> xs) {
    return xs.size() == 1 ? xs.get(0) : add("sum", xs, List.of(), Map.of());
  }

  @Override
  public String concat(List<String> xs) {
    return xs.size() == 1 ? xs.get(0) : add("concat", xs, List.of(), Map.of());
  }

  @Override
  public String shift(String x) {
    return add("shift", List.of(x), List.of(), Map.of());
  }

  @Override
  public String globalAvgPool(String x) {
    return add("global_avg_pool", List.of(x), List.of(), Map.of());
  }

  @Override
  public String dropout(String x, float rate) {
    return rate <= 0f ? x : add("dropout", List.of(x), List.of(), Map.of("rate", rate));
  }

  @Override
  public String linear(String x, Param weight, Param bias) {
    return add("linear", List.of(x), List.of(weight, bias), Map.of());
  }

  private String add(
      String op, List<String> inputs, List<Param> params, Map<String, Number> attrs) {
    String output = "v" + nodes.size();
    used.addAll(params);
    nodes.add(new GraphNode(output, op, inputs, params.stream().map(Param::name).toList(), attrs));
    return output;
  }
}
