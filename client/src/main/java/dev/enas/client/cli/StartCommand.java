package dev.enas.client.cli;

import dev.enas.proto.v1.Search;
import dev.enas.proto.v1.SearchSpace;
import dev.enas.proto.v1.SearchSpec;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code enas search start}: builds a spec from a preset or a spec file, then the flags over it,
 * starts the search and prints its id. Fields nobody set stay unset, so the server fills in the
 * paper's defaults for the space.
 */
@Command(
    name = "start",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Start a search and print its id.",
      "The spec comes from --preset or --spec (if any), then each flag sets one field over it;"
          + " every field left unset takes the paper's default for the space.",
      "Presets: paper = the paper's defaults (nothing set but the space);"
          + " demo = the README's quick-start search (macro, 6 layers, 6 epochs, about four"
          + " minutes on two cores); smoke = a search of seconds (macro 3 layers or micro 2"
          + " nodes, 400 images, 2 epochs of 4 steps)."
    })
final class StartCommand extends ClientCommand implements Callable<Integer>, FieldFlags {
  // Spec fields the server may name in a BadRequest, and the flag that sets each.
  private static final Map<String, String> FLAGS_BY_FIELD =
      Map.ofEntries(
          Map.entry("spec.space.kind", "--space"),
          Map.entry("spec.space.layers", "--layers"),
          Map.entry("spec.space.nodes", "--nodes"),
          Map.entry("spec.data.dataset", "--dataset"),
          Map.entry("spec.shared.epochs", "--epochs"),
          Map.entry("spec.child.channels", "--channels"),
          Map.entry("spec.child.batch_size", "--batch-size"),
          Map.entry("spec.controller.kind", "--controller"),
          Map.entry("spec.derive.selection", "--selection"),
          Map.entry("spec.seed", "--seed"),
          Map.entry("spec.retrain.training.epochs", "--final-epochs"),
          Map.entry("spec.retrain.network.channels", "--final-channels"),
          Map.entry("search_id", "--id"));

  @Option(
      names = "--space",
      converter = Choices.SpaceConverter.class,
      paramLabel = "SPACE",
      description = "Search space: ${COMPLETION-CANDIDATES}. Default with --preset: macro.")
  Choices.Space space;

  @Option(
      names = "--preset",
      converter = Choices.PresetConverter.class,
      paramLabel = "PRESET",
      description = "Start from a named spec: ${COMPLETION-CANDIDATES}.")
  Choices.Preset preset;

  @Option(
      names = "--spec",
      paramLabel = "FILE",
      description =
          "Start from a spec file: JSON (*.json, the proto's JSON mapping of"
              + " enas.v1.SearchSpec) or HOCON (any other name).")
  Path specFile;

  @Option(names = "--layers", paramLabel = "N", description = "Macro: layers of the network.")
  Integer layers;

  @Option(names = "--nodes", paramLabel = "N", description = "Micro: nodes per cell.")
  Integer nodes;

  @Option(
      names = "--dataset",
      paramLabel = "DATA",
      description = "fashion-mnist, idx:DIR or cifar10:DIR (folders on the server).")
  String dataset;

  @Option(names = "--epochs", paramLabel = "N", description = "Search epochs.")
  Integer epochs;

  @Option(names = "--channels", paramLabel = "N", description = "Search network width.")
  Integer channels;

  @Option(names = "--batch-size", paramLabel = "N", description = "Search minibatch size.")
  Integer batchSize;

  @Option(
      names = "--controller",
      converter = Choices.ControllerConverter.class,
      paramLabel = "KIND",
      description =
          "${COMPLETION-CANDIDATES}: the LSTM policy, or random search with weight"
              + " sharing as the baseline.")
  Choices.Controller controller;

  @Option(
      names = "--selection",
      paramLabel = "HOW",
      description =
          "Which child is derived: best-reward (the paper's: the best-scored sample)"
              + " or most-probable (the policy's mode; needs the enas controller).")
  String selection;

  @Option(names = "--seed", paramLabel = "N", description = "Seed of every random choice.")
  Long seed;

  @Option(
      names = "--final-epochs",
      paramLabel = "N",
      description = "Epochs of retraining the derived child.")
  Integer finalEpochs;

  @Option(
      names = "--final-channels",
      paramLabel = "N",
      description = "Width of the retrained child.")
  Integer finalChannels;

  @Option(
      names = "--id",
      paramLabel = "ID",
      description =
          "Id for the search ([a-z0-9-], 1 to 63), so a retried start cannot start it"
              + " twice; default: the server picks one.")
  String id;

  @Option(
      names = "--dry-run",
      description = "Only check the spec: print it as the server resolves it, start nothing.")
  boolean dryRun;

  @Option(
      names = "--watch",
      description =
          "Watch the search after starting it, as"
              + " 'enas search watch' does; the exit code is then the search's outcome.")
  boolean watch;

  @Option(names = "--json", description = "With --watch: events as JSON lines.")
  boolean json;

  @Override
  public Map<String, String> flagsByField() {
    return FLAGS_BY_FIELD;
  }

  @Override
  public Integer call() {
    SearchSpec spec = spec();
    if (dryRun) {
      out().println(Text.json(client().validateSpec(spec).getSpec()));
      return ExitCodes.OK;
    }
    Search search = client().createSearch(spec, id);
    if (watch && json) {
      // stdout is all JSON lines then; the events carry the id for scripts.
      err().println(search.getId());
      err().flush();
    } else {
      out().println(search.getId());
      out().flush();
    }
    if (!watch) {
      return ExitCodes.OK;
    }
    return Watching.run(root(), search.getId(), 0, json, root().progress(), out(), err());
  }

  /** The spec the options describe, or a usage error naming the option at fault. */
  SearchSpec spec() {
    if (preset != null && specFile != null) {
      throw usage(
          "--preset and --spec cannot be combined: start from one, then set fields with"
              + " flags");
    }
    if (json && !watch) {
      throw usage("--json only applies with --watch");
    }
    SearchSpec.Builder spec;
    if (specFile != null) {
      try {
        spec = SpecFiles.read(specFile);
      } catch (SpecFiles.BadSpecFile e) {
        throw usage("--spec: " + e.getMessage());
      }
    } else if (preset != null) {
      Choices.Space kind = space == null ? Choices.Space.MACRO : space;
      spec = preset(preset, kind);
      spec.getSpaceBuilder().setKind(kind.proto);
    } else {
      spec = SearchSpec.newBuilder();
    }
    if (space != null) {
      spec.getSpaceBuilder().setKind(space.proto);
    }
    SearchSpace kind = spec.getSpace().getKind();
    if (kind == SearchSpace.SEARCH_SPACE_UNSPECIFIED) {
      throw usage("--space is required (macro, micro or rnn) unless --preset or --spec sets it");
    }
    if (layers != null) {
      if (kind != SearchSpace.SEARCH_SPACE_MACRO) {
        throw usage("--layers applies to the macro space; the micro and rnn spaces take --nodes");
      }
      spec.getSpaceBuilder().setLayers(layers);
    }
    if (nodes != null) {
      if (kind == SearchSpace.SEARCH_SPACE_MACRO) {
        throw usage("--nodes applies to the micro and rnn spaces; the macro space takes --layers");
      }
      spec.getSpaceBuilder().setNodes(nodes);
    }
    if (dataset != null) {
      spec.getDataBuilder().setDataset(dataset);
    }
    if (epochs != null) {
      spec.getSharedBuilder().setEpochs(epochs);
    }
    if (channels != null) {
      spec.getChildBuilder().setChannels(channels);
    }
    if (batchSize != null) {
      spec.getChildBuilder().setBatchSize(batchSize);
    }
    if (controller != null) {
      spec.getControllerBuilder().setKind(controller.proto);
    }
    if (selection != null) {
      spec.getDeriveBuilder().setSelection(selection);
    }
    if (seed != null) {
      spec.setSeed(seed);
    }
    if (finalEpochs != null) {
      spec.getRetrainBuilder().getTrainingBuilder().setEpochs(finalEpochs);
    }
    if (finalChannels != null) {
      spec.getRetrainBuilder().getNetworkBuilder().setChannels(finalChannels);
    }
    return spec.build();
  }

  private SearchSpec.Builder preset(Choices.Preset name, Choices.Space kind) {
    switch (name) {
      case DEMO:
        if (kind == Choices.Space.RNN) {
          return SpecFiles.resource("demo-rnn.json");
        }
        if (kind != Choices.Space.MACRO) {
          throw usage(
              "--preset demo is a macro or rnn search; use --space macro or rnn, or"
                  + " --preset smoke or paper");
        }
        return SpecFiles.resource("demo.json");
      case SMOKE:
        return SpecFiles.resource("smoke-" + kind + ".json");
      default:
        return SearchSpec.newBuilder();
    }
  }
}
