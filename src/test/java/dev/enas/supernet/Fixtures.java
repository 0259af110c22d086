package dev.enas.supernet;

import dev.enas.space.Architecture;
import dev.enas.space.Decision;
import dev.enas.space.SearchSpace;
import java.lang.ref.PhantomReference;
import java.lang.ref.ReferenceQueue;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Random architectures, batches, parameter snapshots and a forced collection for the supernet
 * tests.
 */
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

  /**
   * Runs a full collection, waits until the collector has processed references, and then takes
   * small direct buffers, so that freed native memory is likely handed out again and overwritten;
   * the caller keeps them until backward has run.
   */
  static List<ByteBuffer> collectGarbage() throws InterruptedException {
    ReferenceQueue<Object> queue = new ReferenceQueue<>();
    Object canary = new Object();
    PhantomReference<Object> reference = new PhantomReference<>(canary, queue);
    canary = null;
    while (queue.remove(50) == null) {
      System.gc();
    }
    reference.clear();
    // The buffers' own cleaner runs on another thread; give it a moment before reusing memory.
    Thread.sleep(50);
    List<ByteBuffer> fillers = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      ByteBuffer filler = ByteBuffer.allocateDirect(4);
      filler.putFloat(0, 1e-30f);
      fillers.add(filler);
    }
    return fillers;
  }
}
