package dev.enas.server.api;

import dev.enas.data.DataAccessException;
import dev.enas.data.DataRoots;
import dev.enas.proto.v1.ControllerKind;
import dev.enas.proto.v1.SearchSpace;
import dev.enas.server.domain.SearchBackendException.InvalidSpec;
import dev.enas.space.MacroSpace;
import dev.enas.space.MicroSpace;
import dev.enas.spec.ChildSpec;
import dev.enas.spec.ControllerSpec;
import dev.enas.spec.DataSpec;
import dev.enas.spec.DeriveSpec;
import dev.enas.spec.FieldViolation;
import dev.enas.spec.LanguageModelSpec;
import dev.enas.spec.RankCheckSpec;
import dev.enas.spec.RetrainSpec;
import dev.enas.spec.SearchSpec;
import dev.enas.spec.SpaceSpec;
import dev.enas.spec.TrainingSpec;
import dev.enas.train.DataShape;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Converts between the wire spec ({@code enas.v1.SearchSpec}) and the core {@link SearchSpec}. An
 * unset wire field takes the paper's default for the chosen space; the result is validated by the
 * core spec's own rules, and every violation is renamed from the core's dotted path ({@code
 * controller.learningRate}) to the request's field path ({@code spec.controller.learning_rate}),
 * which is the naming BadRequest uses throughout the API. The wire spec mirrors the core records
 * component for component, which is what makes the renaming mechanical; a test holds the two in
 * step.
 */
public final class SpecMapper {
  /**
   * Longest data-set reference accepted; longer values are rejected before anything echoes them.
   */
  static final int MAX_DATASET_LENGTH = 1024;

  private static final List<Class<? extends Record>> SPEC_RECORDS =
      List.of(
          SearchSpec.class,
          SpaceSpec.class,
          DataSpec.class,
          ChildSpec.class,
          TrainingSpec.class,
          ControllerSpec.class,
          DeriveSpec.class,
          RankCheckSpec.class,
          RetrainSpec.class,
          LanguageModelSpec.class);

  /** Core field names whose wire name differs, longest first so none shadows a longer one. */
  private static final Pattern CORE_NAMES;

  private static final Map<String, String> SNAKE_NAMES;

  static {
    Map<String, String> names = new TreeMap<>();
    for (Class<? extends Record> type : SPEC_RECORDS) {
      for (RecordComponent component : type.getRecordComponents()) {
        String snake = snake(component.getName());
        if (!snake.equals(component.getName())) {
          names.put(component.getName(), snake);
        }
      }
    }
    SNAKE_NAMES = Map.copyOf(names);
    CORE_NAMES =
        Pattern.compile(
            "\\b("
                + names.keySet().stream()
                    .sorted(Comparator.comparingInt(String::length).reversed())
                    .collect(Collectors.joining("|"))
                + ")\\b");
  }

  private SpecMapper() {}

  /**
   * The core spec a wire spec asks for: unset fields from {@link SearchSpec#defaults} of its space,
   * then validated.
   *
   * @throws InvalidSpec naming every bad field by its core path (see {@link #requestPath})
   */
  static SearchSpec toCore(dev.enas.proto.v1.SearchSpec wire) {
    return toCore(wire, DataRoots.none());
  }

  /**
   * As {@link #toCore(dev.enas.proto.v1.SearchSpec)}, with the data set required to lie inside the
   * data roots: a reference that leaves them, names no folder there, or names a file is a violation
   * of {@code data.dataset}.
   */
  static SearchSpec toCore(dev.enas.proto.v1.SearchSpec wire, DataRoots roots) {
    List<FieldViolation> violations = new ArrayList<>();
    String kind = spaceKind(wire.getSpace().getKindValue(), violations);
    if (kind == null) {
      // Every default depends on the space, so nothing else can be checked meaningfully.
      throw new InvalidSpec(violations);
    }
    SearchSpec d = SearchSpec.defaults(kind);
    SearchSpec spec =
        new SearchSpec(
            space(wire.getSpace(), kind, d.space(), violations),
            data(wire.getData(), d.data(), violations),
            child(wire.getChild(), d.child()),
            training(wire.getShared(), d.shared()),
            controller(wire.getController(), d.controller(), violations),
            derive(wire.getDerive(), d.derive()),
            retrain(wire.getRetrain(), d.retrain()),
            wire.hasSeed() ? wire.getSeed() : d.seed(),
            languageModel(wire.getLanguageModel(), d.languageModel()));
    violations.addAll(spec.violations());
    if (violations.isEmpty()) {
      confine(spec.data(), roots, violations);
    }
    if (!violations.isEmpty()) {
      throw new InvalidSpec(violations);
    }
    return fitToData(spec, wire, roots);
  }

  /** A folder reference ({@code scheme:name}) must resolve inside the data roots. */
  private static void confine(DataSpec data, DataRoots roots, List<FieldViolation> violations) {
    String dataset = data.dataset();
    int colon = dataset.indexOf(':');
    if (colon < 0) {
      return;
    }
    try {
      roots.folder(dataset.substring(colon + 1));
    } catch (DataAccessException e) {
      violations.add(new FieldViolation("data.dataset", e.getMessage()));
    }
  }

  /**
   * The paper's defaults were made for CIFAR-10 and Penn Treebank; unset fields that depend on the
   * data take values fitted to the data set actually named ({@link DataShape}): cutout scaled to
   * the image (none for grey images), a text batch that gives a small corpus a useful number of
   * steps per epoch, and a cosine schedule that anneals within the epochs a training has. A field
   * the request sets is never changed.
   */
  private static SearchSpec fitToData(
      SearchSpec spec, dev.enas.proto.v1.SearchSpec wire, DataRoots roots) {
    dev.enas.proto.v1.TrainingSpec sharedWire = wire.getShared();
    dev.enas.proto.v1.RetrainSpec retrainWire = wire.getRetrain();
    TrainingSpec shared =
        DataShape.annealWithin(
            spec.shared(), sharedWire.hasRestartPeriod(), sharedWire.hasRestartMultiplier());
    TrainingSpec retraining =
        DataShape.annealWithin(
            spec.retrain().training(),
            retrainWire.getTraining().hasRestartPeriod(),
            retrainWire.getTraining().hasRestartMultiplier());
    ChildSpec child = spec.child();
    ChildSpec network = spec.retrain().network();
    int cutout = spec.retrain().cutout();
    Optional<DataShape> shape = DataShape.peek(spec.data(), roots);
    if (shape.isPresent() && shape.get().text()) {
      int bptt = spec.languageModel().bpttSteps();
      if (!wire.getChild().hasBatchSize()) {
        child =
            new ChildSpec(
                child.channels(),
                child.cellsPerStack(),
                shape.get().textBatchSize(child.batchSize(), bptt),
                child.dropout());
      }
      if (!retrainWire.getNetwork().hasBatchSize()) {
        network =
            new ChildSpec(
                network.channels(),
                network.cellsPerStack(),
                shape.get().textBatchSize(network.batchSize(), bptt),
                network.dropout());
      }
    } else if (shape.isPresent() && !retrainWire.hasCutout()) {
      cutout = shape.get().cutout();
    }
    return new SearchSpec(
        spec.space(),
        spec.data(),
        child,
        shared,
        spec.controller(),
        spec.derive(),
        new RetrainSpec(network, retraining, cutout, spec.retrain().plainBaseline()),
        spec.seed(),
        spec.languageModel());
  }

  /** The wire form of a core spec with every field set, as a resolved spec is reported. */
  public static dev.enas.proto.v1.SearchSpec toWire(SearchSpec spec) {
    ControllerSpec c = spec.controller();
    return dev.enas.proto.v1.SearchSpec.newBuilder()
        .setSpace(
            dev.enas.proto.v1.SpaceSpec.newBuilder()
                .setKind(wireSpace(spec.space().kind()))
                .setLayers(spec.space().layers())
                .setNodes(spec.space().nodes()))
        .setData(
            dev.enas.proto.v1.DataSpec.newBuilder()
                .setDataset(spec.data().dataset())
                .setValidationFraction(spec.data().validationFraction())
                .setTrainLimit(spec.data().trainLimit()))
        .setChild(toWire(spec.child()))
        .setShared(toWire(spec.shared()))
        .setController(
            dev.enas.proto.v1.ControllerSpec.newBuilder()
                .setKind(
                    "random".equals(c.kind())
                        ? ControllerKind.CONTROLLER_KIND_RANDOM
                        : ControllerKind.CONTROLLER_KIND_ENAS)
                .setHiddenSize(c.hiddenSize())
                .setLstmLayers(c.lstmLayers())
                .setLearningRate(c.learningRate())
                .setTanhConstant(c.tanhConstant())
                .setTemperature(c.temperature())
                .setOpTanhReduce(c.opTanhReduce())
                .setEntropyWeight(c.entropyWeight())
                .setBaselineDecay(c.baselineDecay())
                .setSkipTarget(c.skipTarget())
                .setSkipWeight(c.skipWeight())
                .setGradientClip(c.gradientClip())
                .setAdamBeta2(c.adamBeta2())
                .setAdamEpsilon(c.adamEpsilon())
                .setInitRange(c.initRange())
                .setUpdatesPerEpoch(c.updatesPerEpoch())
                .setChildrenPerUpdate(c.childrenPerUpdate())
                .setWarmupEpochs(c.warmupEpochs()))
        .setDerive(
            dev.enas.proto.v1.DeriveSpec.newBuilder()
                .setSamples(spec.derive().samples())
                .setTopK(spec.derive().topK())
                .setValidationBatches(spec.derive().validationBatches())
                .setScreenCandidates(spec.derive().screenCandidates())
                .setScreenSteps(spec.derive().screenSteps())
                .setSelection(spec.derive().selection())
                .setRankCheck(
                    dev.enas.proto.v1.RankCheckSpec.newBuilder()
                        .setArchitectures(spec.derive().rankCheck().architectures())
                        .setSteps(spec.derive().rankCheck().steps())))
        .setRetrain(
            dev.enas.proto.v1.RetrainSpec.newBuilder()
                .setNetwork(toWire(spec.retrain().network()))
                .setTraining(toWire(spec.retrain().training()))
                .setCutout(spec.retrain().cutout())
                .setPlainBaseline(spec.retrain().plainBaseline()))
        .setSeed(spec.seed())
        .setLanguageModel(
            dev.enas.proto.v1.LanguageModelSpec.newBuilder()
                .setBpttSteps(spec.languageModel().bpttSteps())
                .setEmbeddingDropout(spec.languageModel().embeddingDropout())
                .setInputDropout(spec.languageModel().inputDropout())
                .setMaxVocabulary(spec.languageModel().maxVocabulary()))
        .build();
  }

  private static LanguageModelSpec languageModel(
      dev.enas.proto.v1.LanguageModelSpec wire, LanguageModelSpec d) {
    return new LanguageModelSpec(
        wire.hasBpttSteps() ? wire.getBpttSteps() : d.bpttSteps(),
        wire.hasEmbeddingDropout() ? wire.getEmbeddingDropout() : d.embeddingDropout(),
        wire.hasInputDropout() ? wire.getInputDropout() : d.inputDropout(),
        wire.hasMaxVocabulary() ? wire.getMaxVocabulary() : d.maxVocabulary());
  }

  /**
   * The request path of a core spec path: {@code controller.learningRate} becomes {@code
   * spec.controller.learning_rate}.
   */
  static String requestPath(String corePath) {
    if ("spec".equals(corePath)) {
      return "spec";
    }
    StringBuilder out = new StringBuilder("spec");
    for (String segment : corePath.split("\\.")) {
      out.append('.').append(snake(segment));
    }
    return out.toString();
  }

  /** A core violation in request terms: its path, and field names in its text, renamed. */
  static FieldViolation toRequest(FieldViolation core) {
    Matcher m = CORE_NAMES.matcher(core.description());
    String description = m.replaceAll(match -> SNAKE_NAMES.get(match.group(1)));
    return new FieldViolation(requestPath(core.field()), description);
  }

  /** {@code learningRateMax} to {@code learning_rate_max}. */
  static String snake(String camel) {
    StringBuilder out = new StringBuilder(camel.length() + 4);
    for (int i = 0; i < camel.length(); i++) {
      char ch = camel.charAt(i);
      if (Character.isUpperCase(ch)) {
        out.append('_').append(Character.toLowerCase(ch));
      } else {
        out.append(ch);
      }
    }
    return out.toString();
  }

  /** The core records the wire spec mirrors, for the test that holds them in step. */
  static List<Class<? extends Record>> specRecords() {
    return SPEC_RECORDS;
  }

  private static String spaceKind(int value, List<FieldViolation> violations) {
    switch (value) {
      case SearchSpace.SEARCH_SPACE_MACRO_VALUE:
        return "macro";
      case SearchSpace.SEARCH_SPACE_MICRO_VALUE:
        return "micro";
      case SearchSpace.SEARCH_SPACE_RNN_VALUE:
        return "rnn";
      case SearchSpace.SEARCH_SPACE_UNSPECIFIED_VALUE:
        violations.add(
            new FieldViolation(
                "space.kind",
                "is required: SEARCH_SPACE_MACRO,"
                    + " SEARCH_SPACE_MICRO or SEARCH_SPACE_RNN (it picks every default)"));
        return null;
      default:
        violations.add(
            new FieldViolation(
                "space.kind",
                "unknown search space "
                    + value
                    + "; this server knows SEARCH_SPACE_MACRO (1), SEARCH_SPACE_MICRO (2) and"
                    + " SEARCH_SPACE_RNN (3)"));
        return null;
    }
  }

  private static SearchSpace wireSpace(String kind) {
    switch (kind) {
      case "macro":
        return SearchSpace.SEARCH_SPACE_MACRO;
      case "micro":
        return SearchSpace.SEARCH_SPACE_MICRO;
      case "rnn":
        return SearchSpace.SEARCH_SPACE_RNN;
      default:
        return SearchSpace.SEARCH_SPACE_UNSPECIFIED;
    }
  }

  private static SpaceSpec space(
      dev.enas.proto.v1.SpaceSpec wire, String kind, SpaceSpec d, List<FieldViolation> violations) {
    int layers = wire.hasLayers() ? wire.getLayers() : d.layers();
    int nodes = wire.hasNodes() ? wire.getNodes() : d.nodes();
    // The core checks only the size its space uses; the other one is still stored and reported,
    // so it must not hold an absurd value either.
    if (!"macro".equals(kind) && (layers < 1 || layers > MacroSpace.MAX_LAYERS)) {
      violations.add(
          new FieldViolation(
              "space.layers", "must be in 1.." + MacroSpace.MAX_LAYERS + ", was " + layers));
    }
    if (!"micro".equals(kind) && (nodes < 1 || nodes > MicroSpace.MAX_NODES)) {
      violations.add(
          new FieldViolation(
              "space.nodes", "must be in 1.." + MicroSpace.MAX_NODES + ", was " + nodes));
    }
    return new SpaceSpec(kind, layers, nodes);
  }

  private static DataSpec data(
      dev.enas.proto.v1.DataSpec wire, DataSpec d, List<FieldViolation> violations) {
    String dataset = d.dataset();
    if (wire.hasDataset()) {
      if (wire.getDataset().length() > MAX_DATASET_LENGTH) {
        violations.add(
            new FieldViolation(
                "data.dataset",
                "must be at most "
                    + MAX_DATASET_LENGTH
                    + " characters, was "
                    + wire.getDataset().length()));
      } else {
        dataset = wire.getDataset();
      }
    }
    return new DataSpec(
        dataset,
        wire.hasValidationFraction() ? wire.getValidationFraction() : d.validationFraction(),
        wire.hasTrainLimit() ? wire.getTrainLimit() : d.trainLimit());
  }

  private static ChildSpec child(dev.enas.proto.v1.ChildSpec wire, ChildSpec d) {
    return new ChildSpec(
        wire.hasChannels() ? wire.getChannels() : d.channels(),
        wire.hasCellsPerStack() ? wire.getCellsPerStack() : d.cellsPerStack(),
        wire.hasBatchSize() ? wire.getBatchSize() : d.batchSize(),
        wire.hasDropout() ? wire.getDropout() : d.dropout());
  }

  private static TrainingSpec training(dev.enas.proto.v1.TrainingSpec wire, TrainingSpec d) {
    return new TrainingSpec(
        wire.hasEpochs() ? wire.getEpochs() : d.epochs(),
        wire.hasStepsPerEpoch() ? wire.getStepsPerEpoch() : d.stepsPerEpoch(),
        wire.hasLearningRateMax() ? wire.getLearningRateMax() : d.learningRateMax(),
        wire.hasLearningRateMin() ? wire.getLearningRateMin() : d.learningRateMin(),
        wire.hasRestartPeriod() ? wire.getRestartPeriod() : d.restartPeriod(),
        wire.hasRestartMultiplier() ? wire.getRestartMultiplier() : d.restartMultiplier(),
        wire.hasMomentum() ? wire.getMomentum() : d.momentum(),
        wire.hasWeightDecay() ? wire.getWeightDecay() : d.weightDecay(),
        wire.hasGradientClip() ? wire.getGradientClip() : d.gradientClip(),
        wire.hasMaxNonFiniteSteps() ? wire.getMaxNonFiniteSteps() : d.maxNonFiniteSteps());
  }

  private static ControllerSpec controller(
      dev.enas.proto.v1.ControllerSpec wire, ControllerSpec d, List<FieldViolation> violations) {
    String kind;
    switch (wire.getKindValue()) {
      case ControllerKind.CONTROLLER_KIND_UNSPECIFIED_VALUE:
        kind = d.kind();
        break;
      case ControllerKind.CONTROLLER_KIND_ENAS_VALUE:
        kind = "enas";
        break;
      case ControllerKind.CONTROLLER_KIND_RANDOM_VALUE:
        kind = "random";
        break;
      default:
        violations.add(
            new FieldViolation(
                "controller.kind",
                "unknown controller kind "
                    + wire.getKindValue()
                    + "; this server knows CONTROLLER_KIND_ENAS (1) and"
                    + " CONTROLLER_KIND_RANDOM (2)"));
        kind = d.kind();
    }
    return new ControllerSpec(
        kind,
        wire.hasHiddenSize() ? wire.getHiddenSize() : d.hiddenSize(),
        wire.hasLstmLayers() ? wire.getLstmLayers() : d.lstmLayers(),
        wire.hasLearningRate() ? wire.getLearningRate() : d.learningRate(),
        wire.hasTanhConstant() ? wire.getTanhConstant() : d.tanhConstant(),
        wire.hasTemperature() ? wire.getTemperature() : d.temperature(),
        wire.hasOpTanhReduce() ? wire.getOpTanhReduce() : d.opTanhReduce(),
        wire.hasEntropyWeight() ? wire.getEntropyWeight() : d.entropyWeight(),
        wire.hasBaselineDecay() ? wire.getBaselineDecay() : d.baselineDecay(),
        wire.hasSkipTarget() ? wire.getSkipTarget() : d.skipTarget(),
        wire.hasSkipWeight() ? wire.getSkipWeight() : d.skipWeight(),
        wire.hasGradientClip() ? wire.getGradientClip() : d.gradientClip(),
        wire.hasAdamBeta2() ? wire.getAdamBeta2() : d.adamBeta2(),
        wire.hasAdamEpsilon() ? wire.getAdamEpsilon() : d.adamEpsilon(),
        wire.hasInitRange() ? wire.getInitRange() : d.initRange(),
        wire.hasUpdatesPerEpoch() ? wire.getUpdatesPerEpoch() : d.updatesPerEpoch(),
        wire.hasChildrenPerUpdate() ? wire.getChildrenPerUpdate() : d.childrenPerUpdate(),
        wire.hasWarmupEpochs() ? wire.getWarmupEpochs() : d.warmupEpochs());
  }

  private static DeriveSpec derive(dev.enas.proto.v1.DeriveSpec wire, DeriveSpec d) {
    return new DeriveSpec(
        wire.hasSamples() ? wire.getSamples() : d.samples(),
        wire.hasTopK() ? wire.getTopK() : d.topK(),
        wire.hasValidationBatches() ? wire.getValidationBatches() : d.validationBatches(),
        wire.hasScreenCandidates() ? wire.getScreenCandidates() : d.screenCandidates(),
        wire.hasScreenSteps() ? wire.getScreenSteps() : d.screenSteps(),
        wire.hasSelection() ? wire.getSelection() : d.selection(),
        rankCheck(wire.getRankCheck(), d.rankCheck()));
  }

  /** Unset steps of a check that is on take {@link RankCheckSpec#DEFAULT_STEPS}. */
  private static RankCheckSpec rankCheck(dev.enas.proto.v1.RankCheckSpec wire, RankCheckSpec d) {
    int architectures = wire.hasArchitectures() ? wire.getArchitectures() : d.architectures();
    int steps;
    if (wire.hasSteps()) {
      steps = wire.getSteps();
    } else {
      steps = architectures != 0 ? RankCheckSpec.DEFAULT_STEPS : d.steps();
    }
    return new RankCheckSpec(architectures, steps);
  }

  private static RetrainSpec retrain(dev.enas.proto.v1.RetrainSpec wire, RetrainSpec d) {
    return new RetrainSpec(
        child(wire.getNetwork(), d.network()),
        training(wire.getTraining(), d.training()),
        wire.hasCutout() ? wire.getCutout() : d.cutout(),
        wire.hasPlainBaseline() ? wire.getPlainBaseline() : d.plainBaseline());
  }

  private static dev.enas.proto.v1.ChildSpec toWire(ChildSpec c) {
    return dev.enas.proto.v1.ChildSpec.newBuilder()
        .setChannels(c.channels())
        .setCellsPerStack(c.cellsPerStack())
        .setBatchSize(c.batchSize())
        .setDropout(c.dropout())
        .build();
  }

  private static dev.enas.proto.v1.TrainingSpec toWire(TrainingSpec t) {
    return dev.enas.proto.v1.TrainingSpec.newBuilder()
        .setEpochs(t.epochs())
        .setStepsPerEpoch(t.stepsPerEpoch())
        .setLearningRateMax(t.learningRateMax())
        .setLearningRateMin(t.learningRateMin())
        .setRestartPeriod(t.restartPeriod())
        .setRestartMultiplier(t.restartMultiplier())
        .setMomentum(t.momentum())
        .setWeightDecay(t.weightDecay())
        .setGradientClip(t.gradientClip())
        .setMaxNonFiniteSteps(t.maxNonFiniteSteps())
        .build();
  }
}
