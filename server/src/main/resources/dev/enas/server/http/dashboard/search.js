// One search, live: its events over Server-Sent Events (the browser resumes with Last-Event-ID
// after any cut, so no event is missed or repeated), drawn as curves, a phase timeline, a table
// of sampled architectures and the best architecture as a graph.
'use strict';

const id = new URLSearchParams(location.search).get('id') || '';
document.getElementById('search-id').textContent = id;
document.title = 'enas: ' + id;

const TERMINAL = ['finished', 'failed', 'cancelled'];
const KINDS = ['phase_changed', 'child_trained', 'step_skipped', 'architecture_sampled',
  'controller_updated', 'epoch_finished', 'derived', 'candidate_screened',
  'rank_check_trained', 'final_training_progress', 'finished', 'failed', 'cancelled'];

function chart(canvas, datasets, scales) {
  return new Chart(document.getElementById(canvas), {
    type: 'line',
    data: { datasets },
    options: {
      animation: false, parsing: false, normalized: true, responsive: true,
      elements: { point: { radius: 0 }, line: { borderWidth: 1.5 } },
      scales: Object.assign({ x: { type: 'linear', title: { display: true, text: scales.x } } },
        scales.y || {}),
      plugins: { legend: { labels: { boxWidth: 12 } } },
    },
  });
}

const lossChart = chart('loss-chart', [
  { label: 'loss', data: [], borderColor: '#2f6fd6', yAxisID: 'y' },
  { label: 'learning rate', data: [], borderColor: '#d2691e', yAxisID: 'lr' },
], { x: 'step', y: { y: { title: { display: true, text: 'loss' } },
  lr: { position: 'right', title: { display: true, text: 'learning rate' },
    grid: { drawOnChartArea: false } } } });
const rewardChart = chart('reward-chart', [
  { label: 'reward', data: [], borderColor: '#2f6fd6', showLine: false, pointRadius: 2 },
  { label: 'baseline', data: [], borderColor: '#1a7f37' },
], { x: 'sampled child' });
const entropyChart = chart('entropy-chart', [
  { label: 'mean entropy', data: [], borderColor: '#7b3fb2' },
], { x: 'controller update' });
const epochChart = chart('epoch-chart', [
  { label: 'search: mean reward', data: [], borderColor: '#2f6fd6' },
  { label: 'search: best reward', data: [], borderColor: '#1a7f37' },
  { label: 'retraining: validation', data: [], borderColor: '#d2691e' },
  { label: 'plain baseline: validation', data: [], borderColor: '#888' },
], { x: 'epoch' });

const history = [];
let sortBy = 'reward';
let best = null;
let finalArchitecture = null;
let shownArchitecture = null;
let pinned = false;
let eventCount = 0;
let dirty = false;

function text(id, value) {
  document.getElementById(id).textContent = value;
}

function show(encoding, title) {
  if (!encoding || encoding === shownArchitecture) return;
  shownArchitecture = encoding;
  text('arch-title', title);
  text('arch-text', encoding);
  try {
    archGraph.draw(document.getElementById('arch-graph'), encoding);
  } catch (e) {
    text('arch-title', 'cannot draw: ' + e.message);
  }
}

function renderHistory() {
  const rows = history.slice();
  if (sortBy === 'reward') rows.sort((a, b) => b.reward - a.reward || a.index - b.index);
  else rows.sort((a, b) => b.index - a.index);
  const body = document.querySelector('#history tbody');
  body.replaceChildren();
  for (const entry of rows.slice(0, 50)) {
    const row = document.createElement('tr');
    row.dataset.index = entry.index;
    enas.cell(row, String(entry.index));
    enas.cell(row, String(entry.epoch));
    enas.cell(row, enas.fixed(entry.reward, 4));
    enas.cell(row, entry.architecture, 'mono');
    row.addEventListener('click', () => {
      pinned = true;
      show(entry.architecture, `sampled #${entry.index}, reward ${enas.fixed(entry.reward, 4)}`);
    });
    body.appendChild(row);
  }
}

document.getElementById('sort-reward').addEventListener('click', () => { sortBy = 'reward'; renderHistory(); });
document.getElementById('sort-order').addEventListener('click', () => { sortBy = 'order'; renderHistory(); });

function phase(name, time) {
  const item = document.createElement('li');
  item.textContent = `${enas.enumName(name, 'PHASE_').toLowerCase()} at ${new Date(time).toLocaleTimeString()}`;
  document.getElementById('phases').appendChild(item);
  text('phase', enas.enumName(name, 'PHASE_').toLowerCase());
}

function handle(event) {
  eventCount++;
  const kind = KINDS.find(k => event[k] !== undefined);
  const e = event[kind];
  switch (kind) {
    case 'phase_changed':
      phase(e.phase, enas.time(event.time));
      break;
    case 'child_trained': {
      const step = enas.num(e.step);
      lossChart.data.datasets[0].data.push({ x: step, y: e.loss });
      lossChart.data.datasets[1].data.push({ x: step, y: e.learning_rate });
      break;
    }
    case 'architecture_sampled': {
      const index = history.length;
      history.push({ index, epoch: e.epoch, reward: e.reward, architecture: e.architecture.encoding });
      rewardChart.data.datasets[0].data.push({ x: index, y: e.reward });
      rewardChart.data.datasets[1].data.push({ x: index, y: e.baseline });
      if (!best || e.reward > best.reward) {
        best = { reward: e.reward, architecture: e.architecture.encoding };
        text('best-reward', enas.fixed(e.reward, 4));
      }
      break;
    }
    case 'controller_updated':
      entropyChart.data.datasets[0].data.push({ x: enas.num(e.policy_version), y: e.mean_entropy });
      break;
    case 'epoch_finished':
      epochChart.data.datasets[0].data.push({ x: e.epoch, y: e.mean_reward });
      epochChart.data.datasets[1].data.push({ x: e.epoch, y: e.best_reward });
      text('progress', `search epoch ${e.epoch}/${e.epochs}`);
      break;
    case 'final_training_progress': {
      // Accuracy for image classifiers; perplexity for the rnn space.
      const perplexity = e.validation_perplexity !== undefined && e.validation_perplexity !== 0;
      const value = perplexity ? e.validation_perplexity : e.validation_accuracy;
      document.getElementById('epoch-caption').textContent = 'per epoch: search reward, then'
          + ' retraining validation ' + (perplexity ? 'perplexity' : 'accuracy');
      epochChart.data.datasets[e.plain_baseline ? 3 : 2].data.push({ x: e.epoch, y: value });
      text('progress', `retraining epoch ${e.epoch}/${e.epochs}${e.plain_baseline ? ' (plain baseline)' : ''}`);
      break;
    }
    case 'derived':
      if (e.top && e.top.length > 0) finalArchitecture = e.top[0].architecture.encoding;
      break;
    case 'finished':
      finalArchitecture = e.architecture.encoding;
      text('result', (e.test_perplexity !== undefined
          ? `test perplexity ${enas.fixed(e.test_perplexity, 2)}`
          : `test accuracy ${enas.fixed(e.test_accuracy, 4)}`)
          + (e.rank_check ? `; rank check: Kendall tau ${enas.fixed(e.rank_check.kendall_tau, 3)}`
              + ` (p ${enas.fixed(e.rank_check.p_value, 3)},`
              + ` ${e.rank_check.architecture_count} architectures)` : ''));
      text('state', 'succeeded');
      break;
    case 'failed':
      text('result', 'failed: ' + e.reason);
      text('state', 'failed');
      break;
    case 'cancelled':
      text('result', 'cancelled: ' + e.reason);
      text('state', 'cancelled');
      break;
    default:
      break;
  }
  dirty = true;
}

// Charts and tables redraw at most once a frame, however fast events arrive.
function redraw() {
  if (dirty) {
    dirty = false;
    lossChart.update('none');
    rewardChart.update('none');
    entropyChart.update('none');
    epochChart.update('none');
    text('event-count', String(eventCount));
    renderHistory();
    if (!pinned) {
      if (finalArchitecture) show(finalArchitecture, 'derived');
      else if (best) show(best.architecture, `best so far, reward ${enas.fixed(best.reward, 4)}`);
    }
  }
  requestAnimationFrame(redraw);
}
requestAnimationFrame(redraw);

// What this page's event stream delivered: every event's sequence (the SSE id) in arrival order,
// and how often the connection opened. Shown nowhere; it lets anyone (and the browser test) check
// that reconnects neither lose nor repeat an event.
const stream = { received: [], opened: 0 };
window.enasStream = stream;

async function start() {
  try {
    const search = await enas.get('/api/v1/searches/' + encodeURIComponent(id));
    text('state', enas.enumName(search.state, 'SEARCH_STATE_').toLowerCase());
    text('phase', enas.enumName(search.phase, 'PHASE_').toLowerCase());
  } catch (e) {
    text('connection', e.message);
    return;
  }
  const source = new EventSource('/api/v1/searches/' + encodeURIComponent(id) + '/events');
  source.onopen = () => {
    stream.opened++;
    text('connection', 'live');
  };
  source.onmessage = message => {
    stream.received.push(Number(message.lastEventId));
    const event = JSON.parse(message.data);
    handle(event);
    if (TERMINAL.some(k => event[k] !== undefined)) {
      source.close();
      text('connection', 'the search has ended');
    }
  };
  // A slow connection or a stopping server ends the stream with its resume point; the browser
  // reconnects with Last-Event-ID by itself and the server continues right after it.
  source.addEventListener('cut', message => {
    const cut = JSON.parse(message.data);
    text('connection', `cut (${cut.reason.toLowerCase()}), resuming from event ${cut.resume_from}`);
  });
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED) text('connection', 'closed');
    else text('connection', 'reconnecting…');
  };
}

start();
