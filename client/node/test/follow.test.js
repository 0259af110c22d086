// follow() against a stand-in SearchService on a loopback port that cuts the stream the way the
// enas server cuts a slow watcher: RESOURCE_EXHAUSTED with the `enas-resume-sequence` trailer.
// Run with `node --test client/node/test/` (NodeClientTest does).
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const grpc = require('@grpc/grpc-js');
const {loadServices, follow} = require('../enas_client.js');

function event(sequence, kind) {
  const body = kind === 'finished' ?
    {architecture: {encoding: 'macro: 0'}, test_accuracy: 0.5, parameters: 7} :
    {epoch: 0, step: sequence, loss: 1.0};
  return {search_id: 's', sequence: String(sequence), [kind]: body};
}

/** A SearchService whose WatchSearch runs `script(request, call)` for each watch in turn. */
async function standIn(scripts) {
  const {SearchService} = loadServices();
  const server = new grpc.Server();
  const requests = [];
  server.addService(SearchService.service, {
    WatchSearch: (call) => {
      requests.push(call.request);
      scripts[requests.length - 1](call);
    },
  });
  const port = await new Promise((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(),
        (error, bound) => (error ? reject(error) : resolve(bound)));
  });
  const client = new SearchService('127.0.0.1:' + port, grpc.credentials.createInsecure());
  return {server, client, requests};
}

function cutAt(first, resume, code) {
  return (call) => {
    for (let s = first; s < resume; s++) {
      call.write(event(s, 'child_trained'));
    }
    const trailer = new grpc.Metadata();
    trailer.set('enas-resume-sequence', String(resume));
    call.emit('error', {code: code, details: 'cut for the test', metadata: trailer});
  };
}

function finishFrom(first, last) {
  return (call) => {
    for (let s = first; s < last; s++) {
      call.write(event(s, 'child_trained'));
    }
    call.write(event(last, 'finished'));
    call.end();
  };
}

test('a cut stream resumes where the trailer says, and every event arrives once', async () => {
  const {server, client, requests} = await standIn([
    cutAt(0, 5, grpc.status.RESOURCE_EXHAUSTED),
    cutAt(5, 8, grpc.status.UNAVAILABLE),
    finishFrom(8, 11),
  ]);
  try {
    const seen = [];
    const resumes = [];
    const terminal = await follow(client, 's', 0, (e) => seen.push(Number(e.sequence)),
        (sequence) => resumes.push(Number(sequence)));
    assert.strictEqual(terminal.kind, 'finished');
    assert.deepStrictEqual(seen, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    assert.deepStrictEqual(resumes, [5, 8]);
    assert.deepStrictEqual(requests.map((r) => r.from_sequence), ['0', '5', '8']);
  } finally {
    client.close();
    server.forceShutdown();
  }
});

test('an error without the trailer is not retried', async () => {
  const {server, client, requests} = await standIn([
    (call) => call.emit('error', {code: grpc.status.NOT_FOUND, details: 'no search s'}),
  ]);
  try {
    await assert.rejects(follow(client, 's', 0, () => {}), /no search s/);
    assert.strictEqual(requests.length, 1);
  } finally {
    client.close();
    server.forceShutdown();
  }
});

test('a stream that ends without a terminal event is an error', async () => {
  const {server, client} = await standIn([
    (call) => {
      call.write(event(0, 'child_trained'));
      call.end();
    },
  ]);
  try {
    await assert.rejects(follow(client, 's', 0, () => {}), /before a terminal event/);
  } finally {
    client.close();
    server.forceShutdown();
  }
});

test('a watch cut again and again without progress gives up with the reason', async () => {
  const cutAtZero = cutAt(0, 0, grpc.status.RESOURCE_EXHAUSTED);
  const {server, client, requests} = await standIn(Array(10).fill(cutAtZero));
  try {
    await assert.rejects(follow(client, 's', 0, () => {}),
        /cut 5 times in a row at sequence 0 without receiving an event: cut for the test/);
    assert.strictEqual(requests.length, 5);
  } finally {
    client.close();
    server.forceShutdown();
  }
});
