package dev.enas.supernet;

import dev.enas.space.Architecture;
import dev.enas.space.Decision;
import dev.enas.space.SearchSpace;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** Random architectures, batches and parameter snapshots for the supernet tests. */
final class Fixtures {
  private Fixtures() {}

  static Architecture randomArchitecture(SearchSpace space, Random random) {
    int[] values = new int[space.decisionWidth()];
    int at = 0;
    for (Decision d : space.decisions()) {
      if (d instanceof Decision.Op) {
        values[at++] = random.nextInt(space.numOps());
      } else if (d instanceof Decision.Input in) {
        values[at++] = random.nextInt(in.candidates());
      } else if (d instanceof Decision.Skips skips) {
        for (int j = 0; j < skips.previous(); j++) {
          values[at++] = random.nextInt(2);
        }
      }
    }
    return space.fromDecisions(values);
  }

  static float[] images(NetworkSpec spec, int batch, Random random) {
    float[] x = new float[batch * spec.imageSize()];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) random.nextGaussian();
    }
    return x;
  }

  static int[] labels(NetworkSpec spec, int batch, Random random) {
    int[] y = new int[batch];
    for (int i = 0; i < batch; i++) {
      y[i] = random.nextInt(spec.classes());
    }
    return y;
  }

  /** Every value, momentum buffer ("name#momentum") and running statistic of a store. */
  static Map<String, float[]> snapshot(ParamStore store) {
    Map<String, float[]> all = new LinkedHashMap<>();
    for (Param p : store.all()) {
      all.put(p.name(), p.value().toFloatArray());
      if (p.momentum() != null) {
        all.put(p.name() + "#momentum", p.momentum().toFloatArray());
      }
    }
    return all;
  }

  /** The parameter name of a snapshot key. */
  static String paramName(String key) {
    int hash = key.indexOf('#');
    return hash < 0 ? key : key.substring(0, hash);
  }
}
