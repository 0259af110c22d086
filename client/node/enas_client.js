#!/usr/bin/env node
// A Node.js client of the enas server, for dashboards and services written in JavaScript.
//
// It loads the project's .proto files at run time with @grpc/proto-loader (no code generation) and
// talks to both services of one server port:
//   - enas.v1.SearchService: create a search, follow its events live (replayed from any sequence
//     number, then live, resuming by itself when the server cuts a slow stream), download the
//     model the search published;
//   - inference.GRPCInferenceService (Open Inference Protocol, KServe v2): liveness, model
//     metadata and inference, tensors as little-endian raw contents.
//
// Usage:
//   node enas_client.js feed TARGET [--search ID] [--from N] [--download FILE]
//       Without --search, creates a small macro search (seconds) first. Prints one JSON line per
//       event, then a summary line.
//   node enas_client.js infer TARGET MODEL
//       ServerLive, ModelMetadata, then ModelInfer on a batch of two example inputs.
'use strict';

const path = require('path');
const fs = require('fs');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const PROTO_ROOT = path.join(__dirname, '..', '..', 'proto');
const RESUME_TRAILER = 'enas-resume-sequence';

/** The two services' client constructors, from the project's .proto files. */
function loadServices() {
  const definition = protoLoader.loadSync(
      ['enas/v1/search.proto', 'inference/grpc_service.proto'], {
        includeDirs: [PROTO_ROOT],
        keepCase: true,
        // int64 as decimal strings: sequence numbers and sizes stay exact.
        longs: String,
        enums: String,
        defaults: true,
        oneofs: true,
      });
  const loaded = grpc.loadPackageDefinition(definition);
  return {
    SearchService: loaded.enas.v1.SearchService,
    InferenceService: loaded.inference.GRPCInferenceService,
  };
}

/** A unary call as a promise. */
function call(client, method, request) {
  return new Promise((resolve, reject) => {
    client[method](request, (error, response) => (error ? reject(error) : resolve(response)));
  });
}

/** A macro search that takes seconds: 3 layers of 4 channels on 400 embedded images. */
function smokeSpec(seed) {
  return {
    seed: seed,
    space: {kind: 'SEARCH_SPACE_MACRO', layers: 3},
    data: {train_limit: 400, validation_fraction: 0.2},
    child: {channels: 4, batch_size: 16},
    shared: {epochs: 2, steps_per_epoch: 4},
    controller: {updates_per_epoch: 2, children_per_update: 3},
    derive: {samples: 6, top_k: 3},
    retrain: {
      network: {channels: 4, batch_size: 16},
      training: {epochs: 1, steps_per_epoch: 4},
    },
  };
}

const TERMINAL = new Set(['finished', 'failed', 'cancelled']);
const MAX_IDLE_CUTS = 5;

/**
 * Follows a search's events from `fromSequence` on, calling onEvent for each, until its terminal
 * event. When the server cuts the stream (a watcher too slow, or a server shutting down) with the
 * `enas-resume-sequence` trailer, watches on from there, so onEvent sees every event once, in
 * order. Resolves with the terminal event.
 */
function follow(client, searchId, fromSequence, onEvent, onResume) {
  return new Promise((resolve, reject) => {
    let next = BigInt(fromSequence);
    let terminal = null;
    // Cuts in a row that delivered nothing: a client that cannot keep up at all gives up.
    let idleCuts = 0;
    const watch = () => {
      const startedAt = next;
      const stream = client.WatchSearch({search_id: searchId, from_sequence: next.toString()});
      stream.on('data', (event) => {
        next = BigInt(event.sequence) + 1n;
        if (TERMINAL.has(event.kind)) {
          terminal = event;
        }
        onEvent(event);
      });
      stream.on('error', (error) => {
        const resume = error.metadata && error.metadata.get(RESUME_TRAILER)[0];
        const retriable = error.code === grpc.status.RESOURCE_EXHAUSTED ||
            error.code === grpc.status.UNAVAILABLE;
        if (retriable && resume !== undefined) {
          next = BigInt(resume.toString());
          idleCuts = next > startedAt ? 0 : idleCuts + 1;
          if (idleCuts >= MAX_IDLE_CUTS) {
            reject(new Error('the watch of ' + searchId + ' was cut ' + idleCuts +
                ' times in a row at sequence ' + next + ' without receiving an event: ' +
                error.details));
            return;
          }
          if (onResume) {
            onResume(next, error);
          }
          watch();
        } else {
          reject(error);
        }
      });
      stream.on('end', () => {
        if (terminal) {
          resolve(terminal);
        }
      });
      stream.on('status', (status) => {
        if (status.code === grpc.status.OK && !terminal) {
          reject(new Error('the watch of ' + searchId + ' ended before a terminal event'));
        }
      });
    };
    watch();
  });
}

/** The model a search published, as one Buffer, checked against the size the server announced. */
function download(client, searchId) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let first = null;
    const stream = client.DownloadModel({search_id: searchId, version: '0'});
    stream.on('data', (chunk) => {
      if (first === null) {
        first = chunk;
      }
      chunks.push(chunk.data);
    });
    stream.on('error', reject);
    stream.on('end', () => {
      const bytes = Buffer.concat(chunks);
      if (first === null || BigInt(first.total_size) !== BigInt(bytes.length)) {
        reject(new Error('received ' + bytes.length + ' bytes of a model announced as ' +
            (first ? first.total_size : 'nothing')));
        return;
      }
      resolve({name: first.model_name, version: first.model_version, bytes: bytes});
    });
  });
}

/** What a dashboard would plot of one event: its sequence, kind and the kind's main numbers. */
function summarize(event) {
  const line = {sequence: Number(event.sequence), kind: event.kind};
  const body = event[event.kind];
  switch (event.kind) {
    case 'phase_changed':
      line.phase = body.phase;
      break;
    case 'child_trained':
      line.step = Number(body.step);
      line.loss = body.loss;
      break;
    case 'architecture_sampled':
      line.reward = body.reward;
      line.architecture = body.architecture ? body.architecture.encoding : undefined;
      break;
    case 'finished':
      line.architecture = body.architecture.encoding;
      line.test_accuracy = body.test_accuracy;
      line.parameters = Number(body.parameters);
      break;
    case 'failed':
    case 'cancelled':
      Object.assign(line, body);
      break;
    default:
      break;
  }
  return line;
}

async function feed(target, options) {
  const {SearchService} = loadServices();
  const client = new SearchService(target, grpc.credentials.createInsecure());
  try {
    let searchId = options.search;
    if (!searchId) {
      const created = await call(client, 'CreateSearch', {spec: smokeSpec(1)});
      searchId = created.id;
      console.log(JSON.stringify({created: searchId}));
    }
    let events = 0;
    const terminal = await follow(client, searchId, options.from || 0, (event) => {
      events++;
      console.log(JSON.stringify(summarize(event)));
    }, (sequence, error) => {
      console.log(JSON.stringify({resumed_at: Number(sequence), after: error.details}));
    });
    const search = await call(client, 'GetSearch', {search_id: searchId});
    console.log(JSON.stringify({
      search: searchId,
      ended: terminal.kind,
      events_received: events,
      event_count: Number(search.event_count),
      state: search.state,
    }));
    if (options.download && terminal.kind === 'finished') {
      const model = await download(client, searchId);
      fs.writeFileSync(options.download, model.bytes);
      console.log(JSON.stringify({
        model: model.name, version: Number(model.version), bytes: model.bytes.length,
        file: options.download,
      }));
    }
  } finally {
    client.close();
  }
}

/** Values as the protocol's raw form: little-endian float32, or int64 for INT64. */
function pack(values, datatype) {
  const int64 = datatype === 'INT64';
  const buffer = Buffer.alloc(values.length * (int64 ? 8 : 4));
  values.forEach((value, i) => {
    if (int64) {
      buffer.writeBigInt64LE(BigInt(value), 8 * i);
    } else {
      buffer.writeFloatLE(value, 4 * i);
    }
  });
  return buffer;
}

/** The inverse of pack. */
function unpack(buffer, datatype) {
  const out = [];
  if (datatype === 'INT64') {
    for (let i = 0; i + 8 <= buffer.length; i += 8) {
      out.push(Number(buffer.readBigInt64LE(i)));
    }
  } else {
    for (let i = 0; i + 4 <= buffer.length; i += 4) {
      out.push(buffer.readFloatLE(i));
    }
  }
  return out;
}

/** The fixed input pattern of the Python client, so that another program can recompute it. */
function examplePixels(count) {
  return Array.from({length: count}, (_, i) => ((i * 7) % 16) / 8.0 - 1.0);
}

function exampleTokens(count) {
  return Array.from({length: count}, (_, i) => (i * 3) % 5);
}

async function infer(target, model) {
  const {InferenceService} = loadServices();
  const client = new InferenceService(target, grpc.credentials.createInsecure());
  try {
    const live = await call(client, 'ServerLive', {});
    console.log(JSON.stringify({live: live.live}));
    const metadata = await call(client, 'ModelMetadata', {name: model, version: ''});
    const describe = (tensor) => ({
      name: tensor.name, datatype: tensor.datatype, shape: tensor.shape.map(Number),
    });
    console.log(JSON.stringify({
      model: metadata.name, versions: metadata.versions, platform: metadata.platform,
      inputs: metadata.inputs.map(describe), outputs: metadata.outputs.map(describe),
    }));
    // A batch of two: the dynamic batch dimension becomes 2, any other dynamic one 1.
    const request = {model_name: model, model_version: '', inputs: [], raw_input_contents: []};
    for (const tensor of metadata.inputs) {
      const shape = tensor.shape.map(Number).map((d, i) => (d >= 0 ? d : (i === 0 ? 2 : 1)));
      const count = shape.reduce((a, b) => a * b, 1);
      const values = tensor.datatype === 'INT64' ? exampleTokens(count) : examplePixels(count);
      request.inputs.push({name: tensor.name, datatype: tensor.datatype, shape: shape});
      request.raw_input_contents.push(pack(values, tensor.datatype));
    }
    const answer = await call(client, 'ModelInfer', request);
    answer.outputs.forEach((tensor, i) => {
      console.log(JSON.stringify({
        output: tensor.name,
        datatype: tensor.datatype,
        shape: tensor.shape.map(Number),
        values: unpack(answer.raw_output_contents[i], tensor.datatype),
        version: answer.model_version,
      }));
    });
  } finally {
    client.close();
  }
}

function parseOptions(args) {
  const options = {};
  for (let i = 0; i < args.length; i += 2) {
    const name = args[i];
    const value = args[i + 1];
    if (!['--search', '--from', '--download'].includes(name) || value === undefined) {
      throw new Error('unknown option or missing value: ' + name +
          ' (accepted: --search ID, --from N, --download FILE)');
    }
    options[name.slice(2)] = value;
  }
  if (options.from !== undefined && !/^[0-9]+$/.test(options.from)) {
    throw new Error('--from must be a sequence number, 0 or more; got ' + options.from);
  }
  return options;
}

async function main(argv) {
  const [command, target, ...rest] = argv;
  if (command === 'feed' && target) {
    await feed(target, parseOptions(rest));
  } else if (command === 'infer' && target && rest.length === 1) {
    await infer(target, rest[0]);
  } else {
    throw new Error('usage: enas_client.js feed TARGET [--search ID] [--from N] ' +
        '[--download FILE] | enas_client.js infer TARGET MODEL');
  }
}

module.exports = {loadServices, follow, download, pack, unpack, smokeSpec};

if (require.main === module) {
  main(process.argv.slice(2)).catch((error) => {
    console.error('enas_client.js: ' + (error.details || error.message));
    process.exit(1);
  });
}
