package dev.enas.server.api;

import static dev.enas.server.domain.SearchBackendException.quote;

import com.google.protobuf.ByteString;
import dev.enas.proto.inference.InferTensorContents;
import dev.enas.proto.inference.ModelInferRequest;
import dev.enas.proto.inference.ModelInferRequest.InferInputTensor;
import dev.enas.proto.inference.RawContents;
import dev.enas.server.domain.SearchBackendException.InvalidArgument;
import dev.enas.server.serving.ModelVersion;
import dev.enas.server.serving.Tensor;
import dev.enas.server.serving.TensorSpec;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks a ModelInferRequest against the signature of the version it runs on and turns it into heap
 * tensors: FP32 inputs from {@code fp32_contents}, INT64 inputs (a language model's token ids) from
 * {@code int64_contents}, or either from {@code raw_input_contents}. Every check fails with
 * INVALID_ARGUMENT naming the request field at fault, before the model sees anything, so that a bad
 * request costs no native work and leaves the model as it was for everyone else.
 */
final class InferRequests {
  private InferRequests() {}

  /** Tensors to feed and outputs to fetch, in the order the answer lists them. */
  record Prepared(Map<String, Tensor> inputs, List<String> outputs) {}

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
      throw new InvalidArgument(
          "raw_input_contents",
          "has "
              + request.getRawInputContentsCount()
              + " entries for "
              + count
              + " inputs; give one entry for each entry of inputs, in the"
              + " same order");
    }
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    int batchFrom = -1;
    for (int i = 0; i < count; i++) {
      InferInputTensor input = request.getInputs(i);
      String at = "inputs[" + i + "]";
      String name = input.getName();
      if (name.isEmpty()) {
        throw new InvalidArgument(
            at + ".name", "is required; " + version + " takes " + describe(specs));
      }
      TensorSpec spec = specs.get(name);
      if (spec == null) {
        throw new InvalidArgument(
            at + ".name",
            version + " has no input " + quote(name) + "; it takes " + describe(specs));
      }
      if (tensors.containsKey(name)) {
        throw new InvalidArgument(at + ".name", "input " + quote(name) + " is given twice");
      }
      if (!spec.datatype().equals(input.getDatatype())) {
        throw new InvalidArgument(
            at + ".datatype",
            "must be "
                + spec.datatype()
                + " for input "
                + quote(name)
                + ", was "
                + quote(input.getDatatype()));
      }
      long[] shape = shape(at, input, spec, version.batched(), maxBatch, version);
      if (version.batched()) {
        if (batchFrom < 0) {
          batchFrom = i;
        } else if (shape[0] != request.getInputs(batchFrom).getShape(0)) {
          throw new InvalidArgument(
              at + ".shape[0]",
              "must equal the batch of inputs["
                  + batchFrom
                  + "], "
                  + request.getInputs(batchFrom).getShape(0)
                  + ", was "
                  + shape[0]);
        }
      }
      long elements = 1;
      for (long dim : shape) {
        elements *= dim;
      }
      Tensor tensor;
      if (spec.datatype().equals(TensorSpec.INT64)) {
        LongBuffer data =
            raw
                ? rawLongs(request, i, at, input, shape, elements)
                : typedLongs(at, input, shape, elements);
        Long bound = version.indexBounds().get(name);
        if (bound != null) {
          checkIndices(
              raw ? "raw_input_contents[" + i + "]" : at + ".contents.int64_contents",
              name,
              data,
              bound,
              version);
        }
        tensor = Tensor.ofLongs(shape, data);
      } else {
        FloatBuffer data =
            raw
                ? rawFloats(request, i, at, input, shape, elements)
                : typedFloats(at, input, shape, elements);
        tensor = Tensor.ofFloats(shape, data);
      }
      tensors.put(name, tensor);
    }
    for (TensorSpec spec : specs.values()) {
      if (!tensors.containsKey(spec.name())) {
        throw new InvalidArgument(
            "inputs",
            "lacks input "
                + quote(spec.name())
                + " of "
                + version
                + "; every input is required: "
                + describe(specs));
      }
    }
    return new Prepared(tensors, outputs(request, version));
  }

  private static long[] shape(
      String at,
      InferInputTensor input,
      TensorSpec spec,
      boolean batched,
      int maxBatch,
      ModelVersion version) {
    List<Long> want = spec.shape();
    if (input.getShapeCount() != want.size()) {
      throw new InvalidArgument(
          at + ".shape",
          "must have "
              + want.size()
              + " dimensions for input "
              + quote(spec.name())
              + ", "
              + want
              + " (-1: any size), was "
              + input.getShapeList());
    }
    long[] shape = new long[want.size()];
    long elements = 1;
    for (int k = 0; k < shape.length; k++) {
      long dim = input.getShape(k);
      if (dim < 1) {
        throw new InvalidArgument(at + ".shape[" + k + "]", "must be positive, was " + dim);
      }
      if (want.get(k) >= 0 && dim != want.get(k)) {
        throw new InvalidArgument(
            at + ".shape[" + k + "]",
            "must be "
                + want.get(k)
                + " for input "
                + quote(spec.name())
                + " of shape "
                + want
                + ", was "
                + dim);
      }
      if (elements > Integer.MAX_VALUE / dim) {
        throw new InvalidArgument(
            at + ".shape", "holds more elements than a request can carry: " + input.getShapeList());
      }
      elements *= dim;
      shape[k] = dim;
    }
    if (batched && shape[0] > maxBatch) {
      throw new InvalidArgument(
          at + ".shape[0]",
          "is a batch of "
              + shape[0]
              + ", over the limit"
              + " of "
              + maxBatch
              + " for "
              + version
              + " (enas.serving.max-batch, or max_batch_size"
              + " in its config.pbtxt)");
    }
    return shape;
  }

  /** The bytes of raw entry {@code i}, checked to hold {@code elements} of {@code width} bytes. */
  private static ByteString rawBytes(
      ModelInferRequest request,
      int i,
      String at,
      InferInputTensor input,
      long[] shape,
      long elements,
      int width) {
    if (input.hasContents()) {
      throw new InvalidArgument(
          at + ".contents", "must be unset when raw_input_contents is" + " given");
    }
    ByteString bytes = request.getRawInputContents(i);
    if (bytes.size() != elements * width) {
      throw new InvalidArgument(
          "raw_input_contents[" + i + "]",
          "has "
              + bytes.size()
              + " bytes; "
              + input.getDatatype()
              + " input "
              + quote(input.getName())
              + " of shape "
              + Arrays.toString(shape)
              + " needs "
              + elements * width
              + " ("
              + width
              + " little-endian bytes per element)");
    }
    return bytes;
  }

  private static FloatBuffer rawFloats(
      ModelInferRequest request,
      int i,
      String at,
      InferInputTensor input,
      long[] shape,
      long elements) {
    return RawContents.floatView(rawBytes(request, i, at, input, shape, elements, Float.BYTES));
  }

  private static LongBuffer rawLongs(
      ModelInferRequest request,
      int i,
      String at,
      InferInputTensor input,
      long[] shape,
      long elements) {
    return RawContents.longView(rawBytes(request, i, at, input, shape, elements, Long.BYTES));
  }

  private static FloatBuffer typedFloats(
      String at, InferInputTensor input, long[] shape, long elements) {
    int count =
        typedCount(
            at,
            input,
            shape,
            elements,
            "fp32_contents",
            input.getContents().getFp32ContentsCount());
    FloatBuffer data = FloatBuffer.allocate(count);
    for (int j = 0; j < count; j++) {
      data.put(input.getContents().getFp32Contents(j));
    }
    return data.flip();
  }

  private static LongBuffer typedLongs(
      String at, InferInputTensor input, long[] shape, long elements) {
    int count =
        typedCount(
            at,
            input,
            shape,
            elements,
            "int64_contents",
            input.getContents().getInt64ContentsCount());
    LongBuffer data = LongBuffer.allocate(count);
    for (int j = 0; j < count; j++) {
      data.put(input.getContents().getInt64Contents(j));
    }
    return data.flip();
  }

  /**
   * Checks that the typed contents hold exactly {@code elements} values in {@code field}, the field
   * of the input's datatype, and nothing in any other field; returns the count.
   */
  private static int typedCount(
      String at, InferInputTensor input, long[] shape, long elements, String field, int count) {
    String misplaced = misplaced(input.getContents(), field);
    if (misplaced != null) {
      throw new InvalidArgument(
          at + ".contents." + misplaced,
          "must be empty: the elements of"
              + " an "
              + input.getDatatype()
              + " tensor go in "
              + field);
    }
    if (count == 0) {
      throw new InvalidArgument(
          at + ".contents." + field,
          "is empty; give the elements of"
              + " input "
              + quote(input.getName())
              + " here, or every input's bytes in"
              + " raw_input_contents");
    }
    if (count != elements) {
      throw new InvalidArgument(
          at + ".contents." + field,
          "has "
              + count
              + " values; input "
              + quote(input.getName())
              + " of shape "
              + Arrays.toString(shape)
              + " needs "
              + elements);
    }
    return count;
  }

  /** Every value must index a table of {@code bound} entries: 0..bound-1. */
  private static void checkIndices(
      String field, String name, LongBuffer data, long bound, ModelVersion version) {
    for (int j = data.position(); j < data.limit(); j++) {
      long value = data.get(j);
      if (value < 0 || value >= bound) {
        throw new InvalidArgument(
            field,
            "holds "
                + value
                + " at element "
                + (j - data.position())
                + "; the values of input "
                + quote(name)
                + " of "
                + version
                + " are token ids, 0.."
                + (bound - 1)
                + " (its vocabulary)");
      }
    }
  }

  /** The first typed field of the contents, other than {@code expected}, that holds values. */
  private static String misplaced(InferTensorContents contents, String expected) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    counts.put("bool_contents", contents.getBoolContentsCount());
    counts.put("int_contents", contents.getIntContentsCount());
    counts.put("int64_contents", contents.getInt64ContentsCount());
    counts.put("uint_contents", contents.getUintContentsCount());
    counts.put("uint64_contents", contents.getUint64ContentsCount());
    counts.put("fp32_contents", contents.getFp32ContentsCount());
    counts.put("fp64_contents", contents.getFp64ContentsCount());
    counts.put("bytes_contents", contents.getBytesContentsCount());
    for (Map.Entry<String, Integer> field : counts.entrySet()) {
      if (!field.getKey().equals(expected) && field.getValue() > 0) {
        return field.getKey();
      }
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
        throw new InvalidArgument(
            at, version + " has no output " + quote(name) + "; its outputs are " + all);
      }
      if (!wanted.add(name)) {
        throw new InvalidArgument(at, "output " + quote(name) + " is asked for twice");
      }
    }
    return new ArrayList<>(wanted);
  }

  private static String describe(Map<String, TensorSpec> specs) {
    List<String> out = new ArrayList<>();
    specs
        .values()
        .forEach(spec -> out.add(quote(spec.name()) + " " + spec.datatype() + " " + spec.shape()));
    return String.join(", ", out);
  }
}
