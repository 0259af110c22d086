package dev.enas.server.api;

import static dev.enas.server.api.SearchBackendException.quote;

import com.google.protobuf.ByteString;
import dev.enas.proto.inference.InferTensorContents;
import dev.enas.proto.inference.ModelInferRequest;
import dev.enas.proto.inference.ModelInferRequest.InferInputTensor;
import dev.enas.server.api.SearchBackendException.InvalidArgument;
import dev.enas.server.serving.FloatTensor;
import dev.enas.server.serving.ModelVersion;
import dev.enas.server.serving.TensorSpec;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks a ModelInferRequest against the signature of the version it runs on and turns it into
 * heap tensors. Every check fails with INVALID_ARGUMENT naming the request field at fault, before
 * the model sees anything, so that a bad request costs no native work and leaves the model as it
 * was for everyone else.
 */
final class InferRequests {
  private InferRequests() {}

  /** Tensors to feed and outputs to fetch, in the order the answer lists them. */
  record Prepared(Map<String, FloatTensor> inputs, List<String> outputs) {}

  /**
   * @param maxBatch the model's batch limit, applied to the first dimension of batched models
   * @throws InvalidArgument naming the first field at fault
   */
  static Prepared prepare(ModelInferRequest request, ModelVersion version, int maxBatch) {
    Map<String, TensorSpec> specs = new LinkedHashMap<>();
    version.inputs().forEach(spec -> specs.put(spec.name(), spec));
    int count = request.getInputsCount();
    boolean raw = request.getRawInputContentsCount() > 0;
    if (count == 0) {
      throw new InvalidArgument("inputs", "is empty; " + version + " takes " + describe(specs));
    }
    if (raw && request.getRawInputContentsCount() != count) {
      throw new InvalidArgument("raw_input_contents", "has " + request.getRawInputContentsCount()
          + " entries for " + count + " inputs; give one entry for each entry of inputs, in the"
          + " same order");
    }
    Map<String, FloatTensor> tensors = new LinkedHashMap<>();
    int batchFrom = -1;
    for (int i = 0; i < count; i++) {
      InferInputTensor input = request.getInputs(i);
      String at = "inputs[" + i + "]";
      String name = input.getName();
      if (name.isEmpty()) {
        throw new InvalidArgument(at + ".name", "is required; " + version + " takes "
            + describe(specs));
      }
      TensorSpec spec = specs.get(name);
      if (spec == null) {
        throw new InvalidArgument(at + ".name", version + " has no input " + quote(name)
            + "; it takes " + describe(specs));
      }
      if (tensors.containsKey(name)) {
        throw new InvalidArgument(at + ".name", "input " + quote(name) + " is given twice");
      }
      if (!TensorSpec.FP32.equals(input.getDatatype())) {
        throw new InvalidArgument(at + ".datatype", "must be FP32 for input " + quote(name)
            + ", was " + quote(input.getDatatype()));
      }
      long[] shape = shape(at, input, spec, version.batched(), maxBatch, version);
      if (version.batched()) {
        if (batchFrom < 0) {
          batchFrom = i;
        } else if (shape[0] != request.getInputs(batchFrom).getShape(0)) {
          throw new InvalidArgument(at + ".shape[0]", "must equal the batch of inputs["
              + batchFrom + "], " + request.getInputs(batchFrom).getShape(0) + ", was "
              + shape[0]);
        }
      }
      long elements = 1;
      for (long dim : shape) {
        elements *= dim;
      }
      FloatBuffer data = raw
          ? rawData(request, i, at, input, shape, elements)
          : typedData(at, input, shape, elements);
      tensors.put(name, new FloatTensor(shape, data));
    }
    for (TensorSpec spec : specs.values()) {
      if (!tensors.containsKey(spec.name())) {
        throw new InvalidArgument("inputs", "lacks input " + quote(spec.name()) + " of "
            + version + "; every input is required: " + describe(specs));
      }
    }
    return new Prepared(tensors, outputs(request, version));
  }

  private static long[] shape(String at, InferInputTensor input, TensorSpec spec,
      boolean batched, int maxBatch, ModelVersion version) {
    List<Long> want = spec.shape();
    if (input.getShapeCount() != want.size()) {
      throw new InvalidArgument(at + ".shape", "must have " + want.size() + " dimensions for input "
          + quote(spec.name()) + ", " + want + " (-1: any size), was " + input.getShapeList());
    }
    long[] shape = new long[want.size()];
    long elements = 1;
    for (int k = 0; k < shape.length; k++) {
      long dim = input.getShape(k);
      if (dim < 1) {
        throw new InvalidArgument(at + ".shape[" + k + "]", "must be positive, was " + dim);
      }
      if (want.get(k) >= 0 && dim != want.get(k)) {
        throw new InvalidArgument(at + ".shape[" + k + "]", "must be " + want.get(k)
            + " for input " + quote(spec.name()) + " of shape " + want + ", was " + dim);
      }
      if (elements > Integer.MAX_VALUE / dim) {
        throw new InvalidArgument(at + ".shape", "holds more elements than a request can carry: "
            + input.getShapeList());
      }
      elements *= dim;
      shape[k] = dim;
    }
    if (batched && shape[0] > maxBatch) {
      throw new InvalidArgument(at + ".shape[0]", "is a batch of " + shape[0] + ", over the limit"
          + " of " + maxBatch + " for " + version + " (enas.serving.max-batch, or max_batch_size"
          + " in its config.pbtxt)");
    }
    return shape;
  }

  private static FloatBuffer rawData(ModelInferRequest request, int i, String at,
      InferInputTensor input, long[] shape, long elements) {
    if (input.hasContents()) {
      throw new InvalidArgument(at + ".contents", "must be unset when raw_input_contents is"
          + " given");
    }
    ByteString bytes = request.getRawInputContents(i);
    if (bytes.size() != elements * Float.BYTES) {
      throw new InvalidArgument("raw_input_contents[" + i + "]", "has " + bytes.size()
          + " bytes; FP32 input " + quote(input.getName()) + " of shape " + Arrays.toString(shape)
          + " needs " + elements * Float.BYTES + " (4 little-endian bytes per element)");
    }
    return bytes.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
  }

  private static FloatBuffer typedData(String at, InferInputTensor input, long[] shape,
      long elements) {
    InferTensorContents contents = input.getContents();
    String misplaced = misplaced(contents);
    if (misplaced != null) {
      throw new InvalidArgument(at + ".contents." + misplaced, "must be empty: the elements of"
          + " an FP32 tensor go in fp32_contents");
    }
    int count = contents.getFp32ContentsCount();
    if (count == 0) {
      throw new InvalidArgument(at + ".contents.fp32_contents", "is empty; give the elements of"
          + " input " + quote(input.getName()) + " here, or every input's bytes in"
          + " raw_input_contents");
    }
    if (count != elements) {
      throw new InvalidArgument(at + ".contents.fp32_contents", "has " + count + " values; input "
          + quote(input.getName()) + " of shape " + Arrays.toString(shape) + " needs " + elements);
    }
    FloatBuffer data = FloatBuffer.allocate(count);
    for (int j = 0; j < count; j++) {
      data.put(contents.getFp32Contents(j));
    }
    return data.flip();
  }

  /** The first typed field of the contents other than fp32_contents that holds values. */
  private static String misplaced(InferTensorContents contents) {
    if (contents.getBoolContentsCount() > 0) {
      return "bool_contents";
    }
    if (contents.getIntContentsCount() > 0) {
      return "int_contents";
    }
    if (contents.getInt64ContentsCount() > 0) {
      return "int64_contents";
    }
    if (contents.getUintContentsCount() > 0) {
      return "uint_contents";
    }
    if (contents.getUint64ContentsCount() > 0) {
      return "uint64_contents";
    }
    if (contents.getFp64ContentsCount() > 0) {
      return "fp64_contents";
    }
    if (contents.getBytesContentsCount() > 0) {
      return "bytes_contents";
    }
    return null;
  }

  private static List<String> outputs(ModelInferRequest request, ModelVersion version) {
    List<String> all = version.outputs().stream().map(TensorSpec::name).toList();
    if (request.getOutputsCount() == 0) {
      return all;
    }
    Set<String> wanted = new LinkedHashSet<>();
    for (int i = 0; i < request.getOutputsCount(); i++) {
      String name = request.getOutputs(i).getName();
      String at = "outputs[" + i + "].name";
      if (!all.contains(name)) {
        throw new InvalidArgument(at, version + " has no output " + quote(name)
            + "; its outputs are " + all);
      }
      if (!wanted.add(name)) {
        throw new InvalidArgument(at, "output " + quote(name) + " is asked for twice");
      }
    }
    return new ArrayList<>(wanted);
  }

  private static String describe(Map<String, TensorSpec> specs) {
    List<String> out = new ArrayList<>();
    specs.values().forEach(spec ->
        out.add(quote(spec.name()) + " " + spec.datatype() + " " + spec.shape()));
    return String.join(", ", out);
  }
}
