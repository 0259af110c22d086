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
//   node enas_client.js feed TARGET [--search ID] [--from N] [--download FILE] [CONNECTION]
//       Without --search, creates a small macro search (seconds) first. Prints one JSON line per
//       event, then a summary line.
//   node enas_client.js infer TARGET MODEL [CONNECTION]
//       ServerLive, ModelMetadata, then ModelInfer on a batch of two example inputs.
// CONNECTION, as the Java CLI's: --tls (TLS trusting the system's certificate authorities),
// --ca-file FILE (TLS trusting this CA's PEM certificate), --token-file FILE (a file holding the
// server's bearer token; default $ENAS_TOKEN, else none).
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

/**
 * The channel credentials and client options for `options` (parseOptions' result): TLS when
 * --tls or --ca-file is given, and an interceptor that sends the bearer token on every call.
 */
function connection(options) {
  const tls = options.tls || options['ca-file'] !== undefined;
  const credentials = tls
      ? grpc.credentials.createSsl(options['ca-file'] === undefined
          ? null : fs.readFileSync(options['ca-file']))
      : grpc.credentials.createInsecure();
  const token = readToken(options['token-file']);
  const clientOptions = {};
  if (token) {
    clientOptions.interceptors = [(callOptions, nextCall) =>
      new grpc.InterceptingCall(nextCall(callOptions), {
        start(metadata, listener, next) {
          metadata.set('authorization', 'Bearer ' + token);
          next(metadata, listener);
        },
      })];
  }
  return {credentials, clientOptions};
}

/** The token in `file` (white space around it removed), else $ENAS_TOKEN, else undefined. */
function readToken(file) {
  if (file === undefined) {
    return process.env.ENAS_TOKEN || undefined;
  }
  const token = fs.readFileSync(file, 'utf8').trim();
  if (!token) {
    throw new Error('--token-file: ' + file + ' is empty; it should hold one token');
  }
  return token;
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
  const {credentials, clientOptions} = connection(options);
  const client = new SearchService(target, credentials, clientOptions);
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

async function infer(target, model, options) {
  const {InferenceService} = loadServices();
  const {credentials, clientOptions} = connection(options);
  const client = new InferenceService(target, credentials, clientOptions);
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

const CONNECTION_OPTIONS = ['--ca-file', '--token-file'];
const ACCEPTED = '--tls, --ca-file FILE, --token-file FILE';

/**
 * Options of the form --name VALUE among `valued`, and the flag --tls; anything else, or a
 * missing value, is an error naming what is accepted.
 */
function parseOptions(args, valued = ['--search', '--from', '--download'],
    accepted = '--search ID, --from N, --download FILE, ' + ACCEPTED) {
  const options = {};
  const names = valued.concat(CONNECTION_OPTIONS);
  for (let i = 0; i < args.length; i++) {
    const name = args[i];
    if (name === '--tls') {
      options.tls = true;
      continue;
    }
    const value = args[i + 1];
    if (!names.includes(name) || value === undefined) {
      throw new Error('unknown option or missing value: ' + name + ' (accepted: ' + accepted +
          ')');
    }
    options[name.slice(2)] = value;
    i++;
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
  } else if (command === 'infer' && target && rest.length >= 1 && !rest[0].startsWith('--')) {
    await infer(target, rest[0], parseOptions(rest.slice(1), [], ACCEPTED));
  } else {
    throw new Error('usage: enas_client.js feed TARGET [--search ID] [--from N] ' +
        '[--download FILE] [CONNECTION] | enas_client.js infer TARGET MODEL [CONNECTION], ' +
        'where CONNECTION is ' + ACCEPTED);
  }
}

module.exports = {loadServices, follow, download, pack, unpack, smokeSpec, connection,
  parseOptions};

if (require.main === module) {
  main(process.argv.slice(2)).catch((error) => {
    // A gRPC error names its status code (UNAUTHENTICATED, NOT_FOUND, ...) before the details.
    const code = Object.keys(grpc.status).find((name) => grpc.status[name] === error.code);
    console.error('enas_client.js: ' + (code ? code + ': ' : '') +
        (error.details || error.message));
    process.exit(1);
  });
}
