package dev.enas.export;

import static dev.enas.export.GraphTranslator.floatTensor;
import static dev.enas.export.GraphTranslator.int64Tensor;
import static dev.enas.export.GraphTranslator.intAttribute;
import static dev.enas.export.GraphTranslator.node;
import static dev.enas.export.ModelEnvelope.batchTensor;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import dev.enas.space.RnnActivation;
import dev.enas.space.RnnArchitecture;
import dev.enas.supernet.RnnReference;
import dev.enas.supernet.RnnWeights;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Writes a retrained recurrent language model as an ONNX model (IR 8, opset 17) of one time step,
 * so that a server scores or generates text token by token: the client keeps the hidden state and
 * feeds each step's {@link #NEXT_HIDDEN} back as the next step's {@link #HIDDEN}, starting from
 * zeros. The graph is the step of {@link RnnReference} in float32, in evaluation mode (no dropout):
 *
 * <pre>
 * x       = Gather(embedding, token_ids)                      [batch, H]
 * node 0:  [c | k] = Split(MatMul(Concat(x, hidden), W_0))     W_0: [2H, 2H]
 *          s_0 = Sigmoid(c) * f_0(k) + (1 - Sigmoid(c)) * hidden
 * node l:  [c | k] = Split(MatMul(s_j, W_l)), j = input(l)     W_l: [H, 2H]
 *          s_l = Sigmoid(c) * f_l(k) + (1 - Sigmoid(c)) * s_j
 * next_hidden   = Mean(s of every loose end)
 * logits        = Gemm(next_hidden, embedding, decoder_bias, transB = 1)   (tied decoder)
 * probabilities = Softmax(logits, axis = -1)
 * </pre>
 *
 * <p>where f is Tanh, Relu, Identity or Sigmoid. The embedding is stored once and read by both the
 * Gather and the Gemm, as training ties them. The batch dimension of every input and output is the
 * symbolic {@link OnnxExporter#BATCH}.
 */
public final class RnnOnnxExporter {
  /** Input: int64 [batch], one token id per sequence, in 0..vocabulary-1. */
  public static final String TOKEN_IDS = "token_ids";

  /** Input: float32 [batch, hidden], the previous step's next_hidden; zeros at the start. */
  public static final String HIDDEN = "hidden";

  /** Output: float32 [batch, vocabulary], scores of the next token. */
  public static final String LOGITS = "logits";

  /** Output: float32 [batch, vocabulary], softmax of the logits over the vocabulary. */
  public static final String PROBABILITIES = "probabilities";

  /** Output: float32 [batch, hidden], the hidden state to feed to the next step. */
  public static final String NEXT_HIDDEN = "next_hidden";

  /** The end-of-sentence token of the Penn Treebank format ({@link ModelMetadata#EOS_ID}). */
  public static final String EOS = "<eos>";

  /** The out-of-vocabulary token of the Penn Treebank format ({@link ModelMetadata#UNK_ID}). */
  public static final String UNK = "<unk>";

  private static final String EMBEDDING = "embedding";
  private static final String DECODER_BIAS = "decoder_bias";
  private static final String EMBEDDED = "embedded";
  private static final String CELL_INPUT = "cell.input";
  private static final String SPLIT = "export.split";
  private static final String ONE = "export.one";

  private RnnOnnxExporter() {}

  /**
   * The one-step model of a recurrent language model.
   *
   * @param cell the retrained child's cell
   * @param weights its trained weights, laid out as {@link RnnWeights} documents
   * @param vocabulary the word of every token id, in id order; distinct words
   * @param metadata provenance: every key of {@link ModelMetadata#LANGUAGE_MODEL_REQUIRED}, and any
   *     extra keys; the keys of {@link ModelMetadata#LANGUAGE_MODEL_DERIVED} are written from the
   *     cell, the weights and the vocabulary
   * @throws IllegalArgumentException if the weights do not fit the cell, the vocabulary does not
   *     fit the weights or repeats a word, or the metadata is incomplete
   */
  public static ModelProto export(
      RnnArchitecture cell,
      RnnWeights weights,
      List<String> vocabulary,
      Map<String, String> metadata) {
    Objects.requireNonNull(cell, "cell");
    Objects.requireNonNull(weights, "weights");
    Objects.requireNonNull(vocabulary, "vocabulary");
    Objects.requireNonNull(metadata, "metadata");
    if (weights.nodes() != cell.nodes()) {
      throw new IllegalArgumentException(
          "the weights are for " + weights.nodes() + " nodes, the cell has " + cell.nodes());
    }
    if (vocabulary.size() != weights.vocabulary()) {
      throw new IllegalArgumentException(
          vocabulary.size() + " words for a model of " + weights.vocabulary() + " tokens");
    }
    Set<String> seen = new HashSet<>();
    for (int id = 0; id < vocabulary.size(); id++) {
      String word = Objects.requireNonNull(vocabulary.get(id), "vocabulary word " + id);
      if (!seen.add(word)) {
        // A client maps words to ids through this list: a repeated word has no single id.
        throw new IllegalArgumentException("the vocabulary repeats '" + word + "' (id " + id + ")");
      }
    }
    ModelMetadata.check(metadata, ModelMetadata.Kind.LANGUAGE_MODEL);

    int h = weights.hidden();
    int v = weights.vocabulary();
    GraphProto.Builder graph =
        GraphProto.newBuilder()
            .setName("enas_rnn_step")
            .setDocString("One step of the ENAS recurrent language model " + cell.encode());
    graph.addInitializer(floatTensor(EMBEDDING, new long[] {v, h}, weights.embedding()));
    graph.addInitializer(floatTensor(DECODER_BIAS, new long[] {v}, weights.decoderBias()));
    graph.addInitializer(int64Tensor(SPLIT, h, h));
    graph.addInitializer(floatTensor(ONE, new long[0], new float[] {1f}));

    graph.addNode(
        node("Gather", EMBEDDED, List.of(EMBEDDING, TOKEN_IDS), EMBEDDED)
            .addAttribute(intAttribute("axis", 0)));
    graph.addNode(
        node("Concat", CELL_INPUT, List.of(EMBEDDED, HIDDEN), CELL_INPUT)
            .addAttribute(intAttribute("axis", 1)));

    String[] states = new String[cell.nodes()];
    for (int l = 0; l < cell.nodes(); l++) {
      String weight = "cell.node" + l + ".weight";
      String in;
      String carry;
      if (l == 0) {
        graph.addInitializer(
            floatTensor(weight, new long[] {2L * h, 2L * h}, weights.inputWeight()));
        in = CELL_INPUT;
        carry = HIDDEN;
      } else {
        graph.addInitializer(floatTensor(weight, new long[] {h, 2L * h}, weights.nodeWeights()[l]));
        in = states[cell.input(l)];
        carry = in;
      }
      states[l] = highway(graph, "cell.node" + l, in, weight, carry, cell.activation(l));
    }

    List<String> ends = new ArrayList<>();
    for (int end : cell.looseEnds()) {
      ends.add(states[end]);
    }
    graph.addNode(node("Mean", NEXT_HIDDEN, ends, NEXT_HIDDEN));
    graph.addNode(
        node("Gemm", LOGITS, List.of(NEXT_HIDDEN, EMBEDDING, DECODER_BIAS), LOGITS)
            .addAttribute(intAttribute("transB", 1)));
    graph.addNode(
        node("Softmax", PROBABILITIES, List.of(LOGITS), PROBABILITIES)
            .addAttribute(intAttribute("axis", -1)));

    graph.addInput(
        batchTensor(
            TOKEN_IDS,
            OnnxMl.TensorProto.DataType.INT64,
            "one token id per sequence, 0..vocabulary-1 (words in metadata 'vocabulary')"));
    graph.addInput(
        batchTensor(
            HIDDEN,
            OnnxMl.TensorProto.DataType.FLOAT,
            "the previous step's next_hidden, N x hidden; zeros before the first token",
            h));
    graph.addOutput(
        batchTensor(
            LOGITS,
            OnnxMl.TensorProto.DataType.FLOAT,
            "scores of the next token, N x vocabulary",
            v));
    graph.addOutput(
        batchTensor(
            PROBABILITIES,
            OnnxMl.TensorProto.DataType.FLOAT,
            "softmax of the logits over the vocabulary",
            v));
    graph.addOutput(
        batchTensor(
            NEXT_HIDDEN,
            OnnxMl.TensorProto.DataType.FLOAT,
            "the hidden state after this token, to feed back as 'hidden'",
            h));

    Map<String, String> derived = new TreeMap<>();
    derived.put(ModelMetadata.ARCHITECTURE, cell.encode());
    derived.put(ModelMetadata.SEARCH_SPACE, cell.space().describe());
    derived.put(ModelMetadata.VOCABULARY, ModelMetadata.jsonStrings(vocabulary));
    derived.put(ModelMetadata.HIDDEN_SIZE, Integer.toString(h));
    derived.put(ModelMetadata.EOS_ID, Integer.toString(vocabulary.indexOf(EOS)));
    derived.put(ModelMetadata.UNK_ID, Integer.toString(vocabulary.indexOf(UNK)));
    return ModelEnvelope.model(
        graph,
        "One step of an ENAS recurrent language model",
        metadata,
        ModelMetadata.Kind.LANGUAGE_MODEL,
        derived);
  }

  /** The model's serialised bytes, as an ONNX file holds them. */
  public static byte[] toBytes(ModelProto model) {
    return OnnxExporter.toBytes(model);
  }

  /** Writes the model to {@code file} as {@link OnnxExporter#write} does: whole or not at all. */
  public static void write(ModelProto model, Path file) throws IOException {
    OnnxExporter.write(model, file);
  }

  /**
   * One node of the cell in ENAS's highway form: [c | k] = in . weight, then sigmoid(c) * f(k) + (1
   * - sigmoid(c)) * carry, written term by term as RnnReference computes it. Returns the name of
   * the node's state.
   */
  private static String highway(
      GraphProto.Builder graph,
      String prefix,
      String in,
      String weight,
      String carry,
      RnnActivation activation) {
    String projected = prefix + ".projected";
    String gateIn = prefix + ".gate_in";
    String candidateIn = prefix + ".candidate_in";
    String gate = prefix + ".gate";
    String candidate = prefix + ".candidate";
    String kept = prefix + ".kept";
    String carryWeight = prefix + ".carry_weight";
    String carried = prefix + ".carried";
    graph.addNode(node("MatMul", projected, List.of(in, weight), projected));
    graph.addNode(
        node("Split", prefix + ".split", List.of(projected, SPLIT), gateIn)
            .addOutput(candidateIn)
            .addAttribute(intAttribute("axis", 1)));
    graph.addNode(node("Sigmoid", gate, List.of(gateIn), gate));
    String op =
        switch (activation) {
          case TANH -> "Tanh";
          case RELU -> "Relu";
          case IDENTITY -> "Identity";
          case SIGMOID -> "Sigmoid";
        };
    graph.addNode(node(op, candidate, List.of(candidateIn), candidate));
    graph.addNode(node("Mul", kept, List.of(gate, candidate), kept));
    graph.addNode(node("Sub", carryWeight, List.of(ONE, gate), carryWeight));
    graph.addNode(node("Mul", carried, List.of(carryWeight, carry), carried));
    graph.addNode(node("Add", prefix, List.of(kept, carried), prefix));
    return prefix;
  }
}
