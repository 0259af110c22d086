package dev.enas.supernet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.enas.space.MacroArchitecture;
import dev.enas.space.MacroOp;
import dev.enas.space.MacroSpace;
import dev.enas.space.MicroArchitecture;
import dev.enas.space.MicroOp;
import dev.enas.space.MicroSpace;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * A standalone network holds exactly its architecture: one operation per layer or node input, the
 * chosen edges, and no weights of candidates the architecture does not use.
 */
class StructureTest {
  private static final MacroSpace MACRO = new MacroSpace(6);
  private static final MicroSpace MICRO = new MicroSpace(3);
  private static final NetworkSpec MACRO_SPEC = NoDriftTest.macroSpec();
  private static final NetworkSpec MICRO_SPEC = new NetworkSpec(2, 4, 4, 3, 8, 8, 0f, true);
  private static Supernet macroSupernet;
  private static Supernet microSupernet;

  @BeforeContainer
  static void build() {
    macroSupernet = Supernet.create(MACRO, MACRO_SPEC, SgdSettings.macroDefaults(), 31);
    microSupernet = Supernet.create(MICRO, MICRO_SPEC, SgdSettings.microDefaults(), 32);
  }

  @AfterContainer
  static void close() {
    macroSupernet.close();
    microSupernet.close();
  }

  @Property(tries = 10)
  void macroNetworkHasExactlyItsLayersAndSkips(@ForAll long seed) {
    MacroArchitecture arch =
        (MacroArchitecture) Fixtures.randomArchitecture(MACRO, new Random(seed));
    try (StandaloneNetwork net =
        StandaloneNetwork.create(arch, MACRO_SPEC, SgdSettings.macroDefaults(), seed)) {
      List<LayerDescriptor> layers = net.layers();
      int[] reductions = MACRO.reductionLayers();
      int expectedConvs = 1;
      int expectedPools = 0;
      for (int i = 0; i < arch.layers(); i++) {
        String prefix = "layer" + i + ".";
        List<LayerDescriptor> ops =
            layers.stream().filter(d -> d.name().startsWith(prefix) && isMacroOp(d.op())).toList();
        assertThat(ops).as("operations of layer %d", i).hasSize(1);
        assertThat(ops.get(0).op()).isEqualTo(arch.op(i).shortName());
        assertThat(ops.get(0).inputs())
            .containsExactly(
                i == 0 ? "stem" : macroValue(arch, reductions, i - 1, stage(reductions, i)));
        if (i > 0) {
          List<String> terms = new ArrayList<>(List.of(ops.get(0).name()));
          for (int j = 0; j < i; j++) {
            if (arch.skip(i, j)) {
              terms.add(macroValue(arch, reductions, j, stage(reductions, i)));
            }
          }
          assertThat(find(layers, "layer" + i).inputs()).containsExactlyElementsOf(terms);
        }
        MacroOp op = arch.op(i);
        expectedConvs +=
            switch (op) {
              case CONV_3X3, CONV_5X5 -> 2;
              case SEP_CONV_3X3, SEP_CONV_5X5 -> 3;
              default -> 1;
            };
        expectedPools += op == MacroOp.MAX_POOL_3X3 || op == MacroOp.AVG_POOL_3X3 ? 1 : 0;
        Set<String> otherCandidates = new HashSet<>();
        for (MacroOp other : MacroOp.values()) {
          if (other != op) {
            otherCandidates.add(prefix + other.shortName() + ".");
          }
        }
        assertThat(net.parameterShapes().keySet())
            .noneMatch(name -> otherCandidates.stream().anyMatch(name::startsWith));
      }
      expectedConvs += 2 * reducedValues(arch, reductions).size();
      List<GraphNode> graph = net.graph();
      assertThat(count(graph, "conv")).isEqualTo(expectedConvs);
      assertThat(count(graph, "max_pool") + count(graph, "avg_pool")).isEqualTo(expectedPools);
      assertThat(net.parameterShapes().keySet())
          .containsExactlyInAnyOrderElementsOf(macroSupernet.parametersOf(arch));
    }
  }

  @Property(tries = 10)
  void microNetworkHasExactlyItsNodesAndInputs(@ForAll long seed) {
    MicroArchitecture arch =
        (MicroArchitecture) Fixtures.randomArchitecture(MICRO, new Random(seed));
    try (StandaloneNetwork net =
        StandaloneNetwork.create(arch, MICRO_SPEC, SgdSettings.microDefaults(), seed)) {
      List<LayerDescriptor> layers = net.layers();
      int n = MICRO_SPEC.depth();
      int cells = 3 * n + 2;
      int expectedConvs = 1;
      int expectedPools = 0;
      for (int c = 0; c < cells; c++) {
        boolean reduction = c == n || c == 2 * n + 1;
        boolean afterReduction = c == n + 1 || c == 2 * n + 2;
        int type = reduction ? MicroArchitecture.REDUCTION : MicroArchitecture.NORMAL;
        String cell = "cell" + c;
        LayerDescriptor in0 = find(layers, cell + ".in0");
        LayerDescriptor in1 = find(layers, cell + ".in1");
        assertThat(in0.op())
            .isEqualTo(reduction || afterReduction ? "factorized_reduce" : "relu_conv1x1_bn");
        assertThat(in1.op()).isEqualTo(reduction ? "factorized_reduce" : "relu_conv1x1_bn");
        expectedConvs += in0.op().equals("factorized_reduce") ? 2 : 1;
        expectedConvs += in1.op().equals("factorized_reduce") ? 2 : 1;
        List<String> states = new ArrayList<>(List.of(cell + ".in0", cell + ".in1"));
        for (int k = 0; k < MICRO.nodes(); k++) {
          List<String> terms = new ArrayList<>();
          for (int slot = 0; slot < 2; slot++) {
            String prefix = cell + ".node" + k + "." + (slot == 0 ? "x" : "y") + ".";
            List<LayerDescriptor> ops =
                layers.stream().filter(d -> d.name().startsWith(prefix)).toList();
            assertThat(ops).as("operations of %s", prefix).hasSize(1);
            MicroOp op = arch.op(type, k, slot);
            assertThat(ops.get(0).op()).isEqualTo(op.shortName());
            assertThat(ops.get(0).inputs()).containsExactly(states.get(arch.input(type, k, slot)));
            terms.add(ops.get(0).name());
            expectedConvs += op == MicroOp.SEP_CONV_3X3 || op == MicroOp.SEP_CONV_5X5 ? 4 : 0;
            expectedPools += op == MicroOp.MAX_POOL_3X3 || op == MicroOp.AVG_POOL_3X3 ? 1 : 0;
          }
          String node = cell + ".node" + k;
          assertThat(find(layers, node).inputs()).containsExactlyElementsOf(terms);
          states.add(node);
        }
        List<String> ends = new ArrayList<>();
        List<String> blocks = new ArrayList<>();
        for (int id : arch.looseEnds(type)) {
          ends.add(states.get(id));
          blocks.add(cell + ".out.node" + (id - 2));
        }
        LayerDescriptor output = find(layers, cell);
        assertThat(output.inputs()).containsExactlyElementsOf(ends);
        assertThat(output.parameters().stream().filter(p -> p.startsWith(cell + ".out.node")))
            .containsExactlyElementsOf(blocks);
        expectedConvs += 1;
      }
      List<GraphNode> graph = net.graph();
      assertThat(count(graph, "conv")).isEqualTo(expectedConvs);
      assertThat(count(graph, "max_pool") + count(graph, "avg_pool")).isEqualTo(expectedPools);
      assertThat(net.parameterShapes().keySet())
          .containsExactlyInAnyOrderElementsOf(microSupernet.parametersOf(arch));
    }
  }

  private static boolean isMacroOp(String op) {
    for (MacroOp m : MacroOp.values()) {
      if (m.shortName().equals(op)) {
        return true;
      }
    }
    return false;
  }

  private static int stage(int[] reductions, int layer) {
    int s = 0;
    for (int r : reductions) {
      if (r < layer) {
        s++;
      }
    }
    return s;
  }

  /** The name of layer j's output as read at stage s. */
  private static String macroValue(MacroArchitecture arch, int[] reductions, int j, int s) {
    if (s == stage(reductions, j)) {
      return j == 0 ? "layer0." + arch.op(0).shortName() : "layer" + j;
    }
    return "reduction" + reductions[s - 1] + ".layer" + j;
  }

  /** (layer, stage) pairs some later layer reads through a reduction. */
  private static Set<List<Integer>> reducedValues(MacroArchitecture arch, int[] reductions) {
    Set<List<Integer>> needed = new HashSet<>();
    for (int i = 1; i < arch.layers(); i++) {
      for (int j = 0; j < i; j++) {
        if (j == i - 1 || arch.skip(i, j)) {
          for (int t = stage(reductions, j) + 1; t <= stage(reductions, i); t++) {
            needed.add(List.of(j, t));
          }
        }
      }
    }
    return needed;
  }

  private static LayerDescriptor find(List<LayerDescriptor> layers, String name) {
    return layers.stream()
        .filter(d -> d.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no step named " + name + " in " + layers));
  }

  private static long count(List<GraphNode> graph, String op) {
    return graph.stream().filter(g -> g.op().equals(op)).count();
  }
}
