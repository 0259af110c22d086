// The models page: every published model with its provenance and its architecture drawn, and, for
// an image classifier, an image tried in the browser: fitted to the model's input here (as
// `enas infer` fits it), sent as a ModelInferRequest to /api/v1/models/{name}/infer, which runs
// the server's own ModelInfer, and shown as the top five classes.
'use strict';

const PROBABILITIES = 'probabilities';
let models = [];
let selected = null;

function param(metadata, key) {
  const p = metadata && metadata.parameters ? metadata.parameters[key] : undefined;
  return p ? p.string_param : undefined;
}

function text(id, value) {
  document.getElementById(id).textContent = value;
}

function testResult(metadata) {
  const accuracy = param(metadata, 'test_accuracy');
  const perplexity = param(metadata, 'test_perplexity');
  if (accuracy !== undefined) return 'accuracy ' + enas.fixed(Number(accuracy), 4);
  if (perplexity !== undefined) return 'perplexity ' + enas.fixed(Number(perplexity), 2);
  return '–';
}

function render() {
  const body = document.querySelector('#models tbody');
  body.replaceChildren();
  for (const model of models) {
    const row = document.createElement('tr');
    row.dataset.model = model.name;
    const m = model.metadata;
    enas.cell(row, model.name, 'mono');
    if (!model.ready) {
      enas.cell(row, 'not ready: ' + model.reason);
      body.appendChild(row);
      continue;
    }
    enas.cell(row, (m.versions || []).join(', '));
    enas.cell(row, param(m, 'dataset') || '–');
    enas.cell(row, testResult(m));
    const search = param(m, 'search_id');
    const link = enas.cell(row, '');
    if (search) {
      const a = document.createElement('a');
      a.href = '/search?id=' + encodeURIComponent(search);
      a.textContent = search;
      a.addEventListener('click', e => e.stopPropagation());
      link.appendChild(a);
    }
    enas.cell(row, param(m, 'build_version') || '–');
    row.addEventListener('click', () => select(model.name, true));
    body.appendChild(row);
  }
}

function card(label, value) {
  const div = document.createElement('div');
  const l = document.createElement('span');
  l.className = 'label';
  l.textContent = label;
  const v = document.createElement('span');
  v.textContent = value;
  div.append(l, v);
  return div;
}

function select(name, push) {
  const model = models.find(m => m.name === name);
  if (!model || !model.ready) return;
  selected = model;
  if (push) history.replaceState(null, '', '/models?name=' + encodeURIComponent(name));
  const m = model.metadata;
  document.getElementById('model').hidden = false;
  text('model-name', name);
  const cards = document.getElementById('model-cards');
  cards.replaceChildren(
      card('kind', (param(m, 'model_kind') || '–').replace(/_/g, ' ')),
      card('data set', param(m, 'dataset') || '–'),
      card('test', testResult(m)),
      card('search', param(m, 'search_id') || '–'),
      card('seed', param(m, 'seed') || '–'),
      card('space', param(m, 'search_space') || '–'),
      card('build', param(m, 'build_version') || '–'),
      card('versions', (m.versions || []).join(', ')));
  const architecture = param(m, 'architecture');
  text('arch-text', architecture || '');
  if (architecture) {
    try {
      archGraph.draw(document.getElementById('arch-graph'), architecture);
    } catch (e) {
      text('arch-text', architecture + ' (cannot draw: ' + e.message + ')');
    }
  }
  const input = imageInput(m);
  document.getElementById('try').hidden = !input;
  document.getElementById('top5').replaceChildren();
  text('infer-status', '');
  if (input) text('input-shape', `${input.channels} x ${input.height} x ${input.width}`);
}

/** The model's one image input N x C x H x W, or null if it takes something else. */
function imageInput(metadata) {
  if (!metadata.inputs || metadata.inputs.length !== 1) return null;
  const input = metadata.inputs[0];
  const shape = (input.shape || []).map(Number);
  if (shape.length !== 4 || input.datatype !== 'FP32') return null;
  const [, channels, height, width] = shape;
  if ((channels !== 1 && channels !== 3) || !(height > 0) || !(width > 0)) return null;
  return { name: input.name, channels, height, width };
}

/**
 * The image as C x H x W values in [0, 1], as `enas infer` reads it: a grey image keeps its
 * values; colour becomes grey by its luminance (ITU-R BT.601) for a one-channel model.
 */
function pixels(canvas, input) {
  const { channels, height, width } = input;
  const data = canvas.getContext('2d').getImageData(0, 0, width, height).data;
  let grey = true;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i] !== data[i + 1] || data[i] !== data[i + 2]) { grey = false; break; }
  }
  const plane = height * width;
  const out = new Array(channels * plane);
  for (let at = 0; at < plane; at++) {
    const r = data[4 * at] / 255, g = data[4 * at + 1] / 255, b = data[4 * at + 2] / 255;
    if (channels === 1) {
      out[at] = grey ? r : Math.min(1, 0.299 * r + 0.587 * g + 0.114 * b);
    } else {
      out[at] = r;
      out[plane + at] = g;
      out[2 * plane + at] = b;
    }
  }
  return out;
}

/** A raw little-endian FP32 tensor, as protobuf JSON writes bytes (base64), as numbers. */
function floats(base64) {
  const bytes = Uint8Array.from(atob(base64), c => c.charCodeAt(0));
  const view = new DataView(bytes.buffer);
  const out = [];
  for (let i = 0; i + 4 <= bytes.length; i += 4) out.push(view.getFloat32(i, true));
  return out;
}

function softmax(scores) {
  const max = Math.max(...scores);
  const exps = scores.map(s => Math.exp(s - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map(e => e / sum);
}

async function classify(file) {
  const model = selected;
  const input = imageInput(model.metadata);
  text('infer-status', 'classifying ' + file.name + '…');
  document.getElementById('top5').replaceChildren();
  try {
    const bitmap = await createImageBitmap(file);
    const canvas = document.getElementById('image-canvas');
    canvas.width = input.width;
    canvas.height = input.height;
    const context = canvas.getContext('2d');
    context.imageSmoothingEnabled = true;
    context.imageSmoothingQuality = 'high';
    context.drawImage(bitmap, 0, 0, input.width, input.height);
    const outputs = model.metadata.outputs || [];
    const hasProbabilities = outputs.some(o => o.name === PROBABILITIES);
    const output = hasProbabilities ? PROBABILITIES : outputs[0].name;
    const request = {
      inputs: [{ name: input.name, datatype: 'FP32',
        shape: [1, input.channels, input.height, input.width],
        contents: { fp32_contents: pixels(canvas, input) } }],
      outputs: [{ name: output }],
    };
    const response = await fetch('/api/v1/models/' + encodeURIComponent(model.name) + '/infer', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(request),
    });
    const body = await response.json();
    if (!response.ok) throw new Error(body.error ? body.error.message : response.statusText);
    const scores = floats(body.raw_output_contents[0]);
    const probabilities = hasProbabilities ? scores : softmax(scores);
    let labels = [];
    try { labels = JSON.parse(param(model.metadata, 'class_labels') || '[]'); } catch (e) { labels = []; }
    const order = probabilities.map((p, k) => k).sort((a, b) => probabilities[b] - probabilities[a]);
    const list = document.getElementById('top5');
    for (const k of order.slice(0, 5)) {
      const item = document.createElement('li');
      item.dataset.classIndex = k;
      item.dataset.probability = String(probabilities[k]);
      item.textContent = `${labels[k] !== undefined ? labels[k] : 'class ' + k}  `
          + probabilities[k].toFixed(4);
      list.appendChild(item);
    }
    text('infer-status', `${file.name}: model ${body.model_name} version ${body.model_version}`);
  } catch (e) {
    text('infer-status', 'cannot classify ' + file.name + ': ' + e.message);
  }
}

const drop = document.getElementById('drop');
drop.addEventListener('dragover', e => { e.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', e => {
  e.preventDefault();
  drop.classList.remove('over');
  if (e.dataTransfer.files.length > 0 && selected) classify(e.dataTransfer.files[0]);
});
document.getElementById('image-file').addEventListener('change', e => {
  if (e.target.files.length > 0 && selected) classify(e.target.files[0]);
});

async function start() {
  try {
    models = (await enas.get('/api/v1/models')).models || [];
  } catch (e) {
    text('status', 'cannot list the models: ' + e.message);
    return;
  }
  text('status', models.length === 0
      ? 'no models yet: a search that finishes publishes its network here'
      : `${models.length} models; click one to see it and try it`);
  render();
  const wanted = new URLSearchParams(location.search).get('name');
  if (wanted) select(wanted, false);
}

start();
