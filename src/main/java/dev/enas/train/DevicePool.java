package dev.enas.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Which device each search trains on, from the {@code cpu}, {@code gpu}, {@code gpu:N} or {@code
 * auto} setting and the devices the engine offers. {@code cpu} and an explicit GPU pin every search
 * to that device; {@code auto} places each new search on the GPU running the fewest searches (the
 * lowest index on a tie), or on the CPU when the engine sees no GPU. A GPU setting on an engine
 * without that GPU is refused when the pool is made, naming the setting, so a search never runs on
 * the CPU unasked.
 *
 * <p>Thread-safe: searches are placed and released from any thread.
 */
public final class DevicePool {
  private final String setting;
  private final List<Device> candidates;
  private final int[] running;

  private DevicePool(String setting, List<Device> candidates) {
    this.setting = setting;
    this.candidates = List.copyOf(candidates);
    this.running = new int[candidates.size()];
  }

  /** A pool that places every search on the CPU. */
  public static DevicePool cpu() {
    return new DevicePool("cpu", List.of(Device.cpu()));
  }

  /**
   * The pool {@code setting} asks for on the PyTorch engine of this process, which it loads.
   *
   * @param field the setting's name for error messages, for instance {@code enas.device}
   * @throws IllegalArgumentException if the setting is not one of the four forms, or asks for a GPU
   *     the engine does not offer
   */
  public static DevicePool fromSetting(String setting, String field) {
    Objects.requireNonNull(setting, field);
    parse(setting, field); // a malformed setting is refused before the engine is loaded
    return fromSetting(setting, field, Engine.getEngine("PyTorch").getGpuCount());
  }

  /**
   * The pool {@code setting} asks for when the engine offers {@code gpus} GPUs (indices 0 ..
   * gpus-1); what {@link #fromSetting(String, String)} decides, without an engine.
   */
  public static DevicePool fromSetting(String setting, String field, int gpus) {
    Objects.requireNonNull(setting, field);
    if (gpus < 0) {
      throw new IllegalArgumentException("gpus must be >= 0, was " + gpus);
    }
    int wanted = parse(setting, field);
    if (setting.equals("auto")) {
      List<Device> all = new ArrayList<>();
      for (int i = 0; i < gpus; i++) {
        all.add(Device.gpu(i));
      }
      return new DevicePool(setting, all.isEmpty() ? List.of(Device.cpu()) : all);
    }
    if (setting.equals("cpu")) {
      return new DevicePool(setting, List.of(Device.cpu()));
    }
    if (gpus == 0) {
      throw new IllegalArgumentException(
          field
              + " is '"
              + setting
              + "' but the PyTorch engine"
              + " sees no CUDA device: this build carries the CPU native library, or no GPU is"
              + " visible (build with -Pcuda on a machine with CUDA, or set "
              + field
              + " to cpu or auto)");
    }
    if (wanted >= gpus) {
      throw new IllegalArgumentException(
          field
              + " is '"
              + setting
              + "' but the PyTorch engine"
              + " sees "
              + gpus
              + " GPU"
              + (gpus == 1 ? "" : "s")
              + ": the index must be in 0.."
              + (gpus - 1));
    }
    return new DevicePool(setting, List.of(Device.gpu(wanted)));
  }

  /** The GPU index a setting names (0 for a bare {@code gpu}), or -1 for cpu and auto. */
  private static int parse(String setting, String field) {
    if (setting.equals("cpu") || setting.equals("auto")) {
      return -1;
    }
    if (setting.equals("gpu")) {
      return 0;
    }
    if (setting.matches("gpu:\\d{1,4}")) {
      return Integer.parseInt(setting.substring(4));
    }
    throw new IllegalArgumentException(
        field + " must be auto, cpu, gpu or gpu:N (N in 0..9999), was '" + setting + "'");
  }

  /** The setting this pool was made from. */
  public String setting() {
    return setting;
  }

  /** The devices searches may be placed on, in index order. */
  public List<Device> devices() {
    return candidates;
  }

  /**
   * Places a new search: the device running the fewest searches, the first on a tie. The caller
   * {@link #release}s it when the search's networks are closed.
   */
  public synchronized Device acquire() {
    int best = 0;
    for (int i = 1; i < running.length; i++) {
      if (running[i] < running[best]) {
        best = i;
      }
    }
    running[best]++;
    return candidates.get(best);
  }

  /** A search placed by {@link #acquire()} no longer uses {@code device}. */
  public synchronized void release(Device device) {
    int i = candidates.indexOf(device);
    if (i < 0 || running[i] == 0) {
      throw new IllegalStateException("no search of this pool runs on " + device);
    }
    running[i]--;
  }

  /** How many placed searches run on {@code device} now. */
  public synchronized int running(Device device) {
    int i = candidates.indexOf(device);
    return i < 0 ? 0 : running[i];
  }
}
