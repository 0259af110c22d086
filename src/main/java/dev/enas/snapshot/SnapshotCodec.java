package dev.enas.snapshot;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import dev.enas.controller.ControllerState;
import dev.enas.supernet.NetworkState;
import dev.enas.supernet.TensorState;
import dev.enas.train.Retrainer;
import dev.enas.train.Retraining;
import dev.enas.train.SearchEvent;
import dev.enas.train.SearchRun;
import dev.enas.train.SearchSnapshot;
import dev.enas.train.SharedTraining;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * A {@link SearchSnapshot} as bytes and back. Layout: the magic {@code ENASSNAP}, the format
 * version (int), the payload's length (int) and CRC32 (long), all big-endian, then the payload:
 * Kryo with registered classes only, each written field by field by a serializer of this class, so
 * the format is this file's and not the shape of a record. A payload that was cut short, changed,
 * or written by an unknown format version is rejected with a {@link SnapshotFormatException} before
 * anything is decoded; nothing half-read is ever returned.
 *
 * <p>Changing what a serializer writes means a new {@link #FORMAT_VERSION}, and reading the old one
 * still: the golden files in the tests hold snapshots of version 1. Version 2 appends the rank
 * check's architectures to a search's snapshot; a version-1 snapshot has none. Thread-safe: each
 * call uses its own Kryo.
 */
public final class SnapshotCodec {
  /** The format this build writes. */
  public static final int FORMAT_VERSION = 2;

  /** The oldest format this build still reads. */
  static final int OLDEST_VERSION = 1;

  private static final byte[] MAGIC = "ENASSNAP".getBytes(StandardCharsets.US_ASCII);
  private static final int HEADER = MAGIC.length + 4 + 4 + 8;

  private SnapshotCodec() {}

  /** The snapshot as a self-checking payload. */
  public static byte[] encode(SearchSnapshot snapshot) {
    return encodeObject(snapshot);
  }

  /**
   * The snapshot in {@code bytes}.
   *
   * @throws SnapshotFormatException naming what is wrong: too short, not a snapshot, an unknown
   *     format version, truncated or extended, a checksum mismatch, or undecodable contents
   */
  public static SearchSnapshot decode(byte[] bytes) {
    Object value = decodeObject(bytes);
    if (!(value instanceof SearchSnapshot snapshot)) {
      throw new SnapshotFormatException(
          "the payload holds a " + value.getClass().getName() + ", not a search snapshot");
    }
    return snapshot;
  }

  /**
   * Any registered value with its class, behind the header; package-private for the tests that show
   * unregistered classes are refused.
   *
   * @throws IllegalArgumentException if the value or anything in it is of a class this codec does
   *     not register
   */
  static byte[] encodeObject(Object value) {
    byte[] payload;
    try (Output out = new Output(1 << 16, -1)) {
      kryo(FORMAT_VERSION).writeClassAndObject(out, value);
      payload = out.toBytes();
    } catch (IllegalArgumentException | KryoException e) {
      throw new IllegalArgumentException(
          "cannot write a snapshot holding "
              + (value == null ? "null" : value.getClass().getName())
              + ": "
              + e.getMessage(),
          e);
    }
    CRC32 crc = new CRC32();
    crc.update(payload);
    ByteBuffer buffer = ByteBuffer.allocate(HEADER + payload.length);
    buffer.put(MAGIC).putInt(FORMAT_VERSION).putInt(payload.length).putLong(crc.getValue());
    buffer.put(payload);
    return buffer.array();
  }

  static Object decodeObject(byte[] bytes) {
    if (bytes.length < HEADER) {
      throw new SnapshotFormatException(
          "truncated snapshot: "
              + bytes.length
              + " bytes, fewer than the "
              + HEADER
              + "-byte header");
    }
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    byte[] magic = new byte[MAGIC.length];
    buffer.get(magic);
    if (!Arrays.equals(magic, MAGIC)) {
      throw new SnapshotFormatException(
          "not a search snapshot: it starts with "
              + new String(magic, StandardCharsets.ISO_8859_1)
              + " instead of ENASSNAP");
    }
    int version = buffer.getInt();
    if (version < OLDEST_VERSION || version > FORMAT_VERSION) {
      throw new SnapshotFormatException(
          "snapshot format version "
              + version
              + " is not one this build reads (it reads "
              + OLDEST_VERSION
              + " to "
              + FORMAT_VERSION
              + ")");
    }
    int length = buffer.getInt();
    long checksum = buffer.getLong();
    if (length < 0 || length != buffer.remaining()) {
      throw new SnapshotFormatException(
          (length > buffer.remaining() ? "truncated" : "extended")
              + " snapshot: the header promises "
              + length
              + " payload bytes, "
              + buffer.remaining()
              + " follow it");
    }
    CRC32 crc = new CRC32();
    crc.update(bytes, HEADER, length);
    if (crc.getValue() != checksum) {
      throw new SnapshotFormatException(
          String.format(
              "corrupt snapshot: the payload's CRC32 is %08x, the header says %08x",
              crc.getValue(), checksum));
    }
    try (Input in = new Input(bytes, HEADER, length)) {
      Object value = kryo(version).readClassAndObject(in);
      if (in.position() != HEADER + length) {
        throw new SnapshotFormatException(
            "snapshot payload has "
                + (HEADER + length - in.position())
                + " bytes after its contents");
      }
      if (value == null) {
        throw new SnapshotFormatException("the snapshot payload is empty");
      }
      return value;
    } catch (KryoException | IllegalArgumentException | NullPointerException e) {
      throw new SnapshotFormatException("unreadable snapshot payload: " + e.getMessage(), e);
    }
  }

  /**
   * A Kryo that knows exactly the snapshot's classes, each with a fixed id and serializer, reading
   * or writing format {@code version}.
   */
  private static Kryo kryo(int version) {
    Kryo kryo = new Kryo();
    kryo.setRegistrationRequired(true);
    kryo.setReferences(false);
    kryo.register(SearchSnapshot.class, new SnapshotSerializer(version), 100);
    kryo.register(SearchSnapshot.Cursor.class, new CursorSerializer(), 101);
    kryo.register(SearchSnapshot.EpochFigures.class, new FiguresSerializer(), 102);
    kryo.register(SearchSnapshot.Rewarded.class, new RewardedSerializer(), 103);
    kryo.register(ControllerState.class, new ControllerSerializer(), 104);
    kryo.register(NetworkState.class, new NetworkSerializer(), 105);
    kryo.register(NetworkState.Hidden.class, new HiddenSerializer(), 106);
    kryo.register(TensorState.class, new TensorSerializer(), 107);
    kryo.register(SharedTraining.Position.class, new PositionSerializer(), 108);
    kryo.register(Retrainer.State.class, new RetrainerSerializer(), 109);
    kryo.register(Retraining.Result.class, new ResultSerializer(), 110);
    kryo.register(SearchEvent.Candidate.class, new CandidateSerializer(), 111);
    kryo.register(SearchEvent.PlainBaseline.class, new BaselineSerializer(), 112);
    return kryo;
  }

  private static <T> void writeList(Kryo kryo, Output out, List<T> list) {
    out.writeInt(list.size(), true);
    for (T item : list) {
      kryo.writeObject(out, item);
    }
  }

  private static <T> List<T> readList(Kryo kryo, Input in, Class<T> type) {
    int size = in.readInt(true);
    List<T> list = new ArrayList<>(Math.min(size, 1 << 16));
    for (int i = 0; i < size; i++) {
      list.add(kryo.readObject(in, type));
    }
    return list;
  }

  private static void writeFloats(Output out, float[] values) {
    out.writeInt(values.length, true);
    out.writeFloats(values, 0, values.length);
  }

  private static float[] readFloats(Input in) {
    return in.readFloats(in.readInt(true));
  }

  private static void writeArrays(Output out, Map<String, double[]> arrays) {
    out.writeInt(arrays.size(), true);
    for (Map.Entry<String, double[]> e : arrays.entrySet()) {
      out.writeString(e.getKey());
      out.writeInt(e.getValue().length, true);
      out.writeDoubles(e.getValue(), 0, e.getValue().length);
    }
  }

  private static Map<String, double[]> readArrays(Input in) {
    int size = in.readInt(true);
    Map<String, double[]> arrays = new LinkedHashMap<>();
    for (int i = 0; i < size; i++) {
      String name = in.readString();
      arrays.put(name, in.readDoubles(in.readInt(true)));
    }
    return arrays;
  }

  private static final class SnapshotSerializer extends Serializer<SearchSnapshot> {
    private final int version;

    SnapshotSerializer(int version) {
      this.version = version;
    }

    @Override
    public void write(Kryo kryo, Output out, SearchSnapshot s) {
      out.writeString(s.space());
      out.writeLong(s.seed());
      kryo.writeObject(out, s.cursor());
      out.writeLong(s.steps(), true);
      out.writeLong(s.events(), true);
      out.writeDouble(s.elapsedSeconds());
      out.writeDouble(s.epochSeconds());
      kryo.writeObject(out, s.controller());
      kryo.writeObjectOrNull(out, s.sharedModel(), NetworkState.class);
      kryo.writeObjectOrNull(out, s.training(), SharedTraining.Position.class);
      out.writeLong(s.validationBatches());
      kryo.writeObject(out, s.figures());
      writeList(kryo, out, s.pendingRewards());
      writeList(kryo, out, s.scored());
      writeList(kryo, out, s.top());
      writeList(kryo, out, s.screening());
      kryo.writeObjectOrNull(out, s.retrainer(), Retrainer.State.class);
      out.writeString(s.derived());
      kryo.writeObjectOrNull(out, s.retrained(), Retraining.Result.class);
      kryo.writeObjectOrNull(out, s.plainBaseline(), SearchEvent.PlainBaseline.class);
      if (version >= 2) {
        writeList(kryo, out, s.rankChecked());
      } else if (!s.rankChecked().isEmpty()) {
        throw new IllegalArgumentException(
            "format version " + version + " cannot hold a rank check's architectures");
      }
    }

    @Override
    public SearchSnapshot read(Kryo kryo, Input in, Class<? extends SearchSnapshot> type) {
      return new SearchSnapshot(
          in.readString(),
          in.readLong(),
          kryo.readObject(in, SearchSnapshot.Cursor.class),
          in.readLong(true),
          in.readLong(true),
          in.readDouble(),
          in.readDouble(),
          kryo.readObject(in, ControllerState.class),
          kryo.readObjectOrNull(in, NetworkState.class),
          kryo.readObjectOrNull(in, SharedTraining.Position.class),
          in.readLong(),
          kryo.readObject(in, SearchSnapshot.EpochFigures.class),
          readList(kryo, in, SearchSnapshot.Rewarded.class),
          readList(kryo, in, SearchEvent.Candidate.class),
          readList(kryo, in, SearchEvent.Candidate.class),
          readList(kryo, in, SearchEvent.Candidate.class),
          kryo.readObjectOrNull(in, Retrainer.State.class),
          in.readString(),
          kryo.readObjectOrNull(in, Retraining.Result.class),
          kryo.readObjectOrNull(in, SearchEvent.PlainBaseline.class),
          version >= 2 ? readList(kryo, in, SearchEvent.Candidate.class) : List.of());
    }
  }

  private static final class CursorSerializer extends Serializer<SearchSnapshot.Cursor> {
    @Override
    public void write(Kryo kryo, Output out, SearchSnapshot.Cursor c) {
      out.writeString(c.stage().name());
      out.writeInt(c.epoch(), true);
      out.writeInt(c.step(), true);
      out.writeInt(c.update(), true);
      out.writeInt(c.child(), true);
      out.writeInt(c.index(), true);
    }

    @Override
    public SearchSnapshot.Cursor read(
        Kryo kryo, Input in, Class<? extends SearchSnapshot.Cursor> type) {
      String stage = in.readString();
      SearchRun.Stage known;
      try {
        known = SearchRun.Stage.valueOf(stage);
      } catch (IllegalArgumentException | NullPointerException e) {
        throw new SnapshotFormatException("unknown search stage '" + stage + "'");
      }
      return new SearchSnapshot.Cursor(
          known,
          in.readInt(true),
          in.readInt(true),
          in.readInt(true),
          in.readInt(true),
          in.readInt(true));
    }
  }

  private static final class FiguresSerializer extends Serializer<SearchSnapshot.EpochFigures> {
    @Override
    public void write(Kryo kryo, Output out, SearchSnapshot.EpochFigures f) {
      out.writeDouble(f.lossSum());
      out.writeInt(f.lossCount(), true);
      out.writeDouble(f.rewardSum());
      out.writeInt(f.rewardCount(), true);
      out.writeString(f.bestArchitecture());
      out.writeDouble(f.bestReward());
    }

    @Override
    public SearchSnapshot.EpochFigures read(
        Kryo kryo, Input in, Class<? extends SearchSnapshot.EpochFigures> type) {
      return new SearchSnapshot.EpochFigures(
          in.readDouble(),
          in.readInt(true),
          in.readDouble(),
          in.readInt(true),
          in.readString(),
          in.readDouble());
    }
  }

  private static final class RewardedSerializer extends Serializer<SearchSnapshot.Rewarded> {
    @Override
    public void write(Kryo kryo, Output out, SearchSnapshot.Rewarded r) {
      out.writeString(r.architecture());
      out.writeDouble(r.logProbability());
      out.writeDouble(r.entropy());
      out.writeDouble(r.skipPenalty());
      out.writeLong(r.policyVersion());
      out.writeDouble(r.reward());
    }

    @Override
    public SearchSnapshot.Rewarded read(
        Kryo kryo, Input in, Class<? extends SearchSnapshot.Rewarded> type) {
      return new SearchSnapshot.Rewarded(
          in.readString(),
          in.readDouble(),
          in.readDouble(),
          in.readDouble(),
          in.readLong(),
          in.readDouble());
    }
  }

  private static final class ControllerSerializer extends Serializer<ControllerState> {
    @Override
    public void write(Kryo kryo, Output out, ControllerState c) {
      out.writeString(c.kind());
      out.writeLong(c.rngState());
      out.writeLong(c.policyVersion());
      out.writeDouble(c.baseline());
      writeArrays(out, c.parameters());
      writeArrays(out, c.adamSecondMoment());
      out.writeLong(c.adamSteps());
    }

    @Override
    public ControllerState read(Kryo kryo, Input in, Class<? extends ControllerState> type) {
      return new ControllerState(
          in.readString(),
          in.readLong(),
          in.readLong(),
          in.readDouble(),
          readArrays(in),
          readArrays(in),
          in.readLong());
    }
  }

  private static final class NetworkSerializer extends Serializer<NetworkState> {
    @Override
    public void write(Kryo kryo, Output out, NetworkState n) {
      writeList(kryo, out, n.tensors());
      out.writeLong(n.maskRandom());
      kryo.writeObjectOrNull(out, n.trainingHidden(), NetworkState.Hidden.class);
      kryo.writeObjectOrNull(out, n.evaluationHidden(), NetworkState.Hidden.class);
    }

    @Override
    public NetworkState read(Kryo kryo, Input in, Class<? extends NetworkState> type) {
      return new NetworkState(
          readList(kryo, in, TensorState.class),
          in.readLong(),
          kryo.readObjectOrNull(in, NetworkState.Hidden.class),
          kryo.readObjectOrNull(in, NetworkState.Hidden.class));
    }
  }

  private static final class HiddenSerializer extends Serializer<NetworkState.Hidden> {
    @Override
    public void write(Kryo kryo, Output out, NetworkState.Hidden h) {
      writeFloats(out, h.values());
      out.writeInt(h.batch(), true);
    }

    @Override
    public NetworkState.Hidden read(
        Kryo kryo, Input in, Class<? extends NetworkState.Hidden> type) {
      return new NetworkState.Hidden(readFloats(in), in.readInt(true));
    }
  }

  private static final class TensorSerializer extends Serializer<TensorState> {
    @Override
    public void write(Kryo kryo, Output out, TensorState t) {
      out.writeString(t.name());
      out.writeInt(t.shape().length, true);
      out.writeLongs(t.shape(), 0, t.shape().length);
      writeFloats(out, t.values());
      out.writeBoolean(t.momentum() != null);
      if (t.momentum() != null) {
        writeFloats(out, t.momentum());
      }
    }

    @Override
    public TensorState read(Kryo kryo, Input in, Class<? extends TensorState> type) {
      String name = in.readString();
      long[] shape = in.readLongs(in.readInt(true));
      float[] values = readFloats(in);
      float[] momentum = in.readBoolean() ? readFloats(in) : null;
      return new TensorState(name, shape, values, momentum);
    }
  }

  private static final class PositionSerializer extends Serializer<SharedTraining.Position> {
    @Override
    public void write(Kryo kryo, Output out, SharedTraining.Position p) {
      out.writeLong(p.batches());
      out.writeLong(p.steps());
      out.writeInt(p.nonFiniteInARow(), true);
    }

    @Override
    public SharedTraining.Position read(
        Kryo kryo, Input in, Class<? extends SharedTraining.Position> type) {
      return new SharedTraining.Position(in.readLong(), in.readLong(), in.readInt(true));
    }
  }

  private static final class RetrainerSerializer extends Serializer<Retrainer.State> {
    @Override
    public void write(Kryo kryo, Output out, Retrainer.State s) {
      kryo.writeObject(out, s.network());
      out.writeLong(s.batches());
      out.writeDouble(s.lossSum());
      out.writeDouble(s.accuracySum());
      out.writeInt(s.counted(), true);
      out.writeInt(s.nonFiniteInARow(), true);
      out.writeDouble(s.validationFigure());
    }

    @Override
    public Retrainer.State read(Kryo kryo, Input in, Class<? extends Retrainer.State> type) {
      return new Retrainer.State(
          kryo.readObject(in, NetworkState.class),
          in.readLong(),
          in.readDouble(),
          in.readDouble(),
          in.readInt(true),
          in.readInt(true),
          in.readDouble());
    }
  }

  private static final class ResultSerializer extends Serializer<Retraining.Result> {
    @Override
    public void write(Kryo kryo, Output out, Retraining.Result r) {
      out.writeDouble(r.testAccuracy());
      out.writeDouble(r.validationAccuracy());
      out.writeLong(r.parameters());
      out.writeDouble(r.testPerplexity());
      out.writeDouble(r.validationPerplexity());
    }

    @Override
    public Retraining.Result read(Kryo kryo, Input in, Class<? extends Retraining.Result> type) {
      return new Retraining.Result(
          in.readDouble(), in.readDouble(), in.readLong(), in.readDouble(), in.readDouble());
    }
  }

  private static final class CandidateSerializer extends Serializer<SearchEvent.Candidate> {
    @Override
    public void write(Kryo kryo, Output out, SearchEvent.Candidate c) {
      out.writeString(c.architecture());
      out.writeDouble(c.reward());
      out.writeDouble(c.logProbability());
      out.writeDouble(c.screenAccuracy());
      out.writeDouble(c.screenPerplexity());
    }

    @Override
    public SearchEvent.Candidate read(
        Kryo kryo, Input in, Class<? extends SearchEvent.Candidate> type) {
      return new SearchEvent.Candidate(
          in.readString(), in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble());
    }
  }

  private static final class BaselineSerializer extends Serializer<SearchEvent.PlainBaseline> {
    @Override
    public void write(Kryo kryo, Output out, SearchEvent.PlainBaseline b) {
      out.writeString(b.architecture());
      out.writeDouble(b.testAccuracy());
      out.writeLong(b.parameters());
      out.writeDouble(b.testPerplexity());
    }

    @Override
    public SearchEvent.PlainBaseline read(
        Kryo kryo, Input in, Class<? extends SearchEvent.PlainBaseline> type) {
      return new SearchEvent.PlainBaseline(
          in.readString(), in.readDouble(), in.readLong(), in.readDouble());
    }
  }
}
