// The searches page: every search with its state, phase, progress, best reward and times,
// refreshed every two seconds from the JSON API, with buttons to start a search from a preset
// and to pause, resume, cancel or delete one.
'use strict';

function fraction(progress) {
  const epochs = enas.num(progress.epochs), finals = enas.num(progress.final_epochs);
  const done = enas.num(progress.epoch) + enas.num(progress.final_epoch);
  return epochs + finals > 0 ? done / (epochs + finals) : NaN;
}

function render(searches) {
  const body = document.querySelector('#searches tbody');
  body.replaceChildren();
  const now = Date.now();
  for (const search of searches) {
    const row = document.createElement('tr');
    row.dataset.searchId = search.id;
    row.addEventListener('click', () => { location.href = '/search?id=' + encodeURIComponent(search.id); });
    const link = enas.cell(row, '');
    const a = document.createElement('a');
    a.href = '/search?id=' + encodeURIComponent(search.id);
    a.textContent = search.id;
    link.appendChild(a);
    enas.cell(row, enas.enumName(search.spec.space.kind, 'SEARCH_SPACE_').toLowerCase());
    const state = enas.enumName(search.state, 'SEARCH_STATE_');
    enas.cell(row, state, 'state-' + state);
    enas.cell(row, enas.enumName(search.phase, 'PHASE_').toLowerCase());
    const p = search.progress;
    enas.cell(row, `epoch ${p.epoch}/${p.epochs}, retraining ${p.final_epoch}/${p.final_epochs}`);
    enas.cell(row, search.best ? enas.fixed(enas.num(search.best.reward), 4) : '–');
    const start = enas.time(search.start_time);
    const end = search.end_time ? enas.time(search.end_time) : now;
    const elapsed = isFinite(start) ? end - start : NaN;
    enas.cell(row, enas.duration(elapsed));
    const f = fraction(p);
    // A linear estimate from the epochs done; the phases differ in speed, so it is rough.
    const left = search.end_time || !(f > 0) ? NaN : elapsed * (1 - f) / f;
    enas.cell(row, search.end_time ? '' : (isFinite(left) ? '≈ ' + enas.duration(left) : '–'));
    const actions = enas.cell(row, '', 'actions');
    const ended = Boolean(search.end_time);
    if (!ended && !search.paused) actions.appendChild(button(search.id, 'pause'));
    if (!ended && search.paused) actions.appendChild(button(search.id, 'resume'));
    if (!ended) actions.appendChild(button(search.id, 'cancel'));
    if (ended) actions.appendChild(button(search.id, 'delete'));
    if (search.paused) row.children[2].textContent += ' (paused)';
    body.appendChild(row);
  }
}

/**
 * Sends one change to the server. The X-Enas-Control header is what the server asks of every
 * change, so that a page of another site cannot make one through this browser.
 */
async function change(method, path) {
  const response = await fetch(path, { method, headers: { 'X-Enas-Control': '1' } });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error ? body.error.message : response.statusText);
  return body;
}

function button(id, action) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = action;
  b.dataset.action = action;
  b.addEventListener('click', async event => {
    event.stopPropagation();
    const status = document.getElementById('action-status');
    try {
      const path = '/api/v1/searches/' + encodeURIComponent(id);
      if (action === 'delete') await change('DELETE', path);
      else await change('POST', path + '/' + action);
      status.textContent = `${action}: ${id}`;
    } catch (e) {
      status.textContent = `cannot ${action} ${id}: ${e.message}`;
    }
    refresh();
  });
  return b;
}

document.getElementById('start').addEventListener('submit', async event => {
  event.preventDefault();
  const status = document.getElementById('action-status');
  const query = new URLSearchParams({
    preset: document.getElementById('start-preset').value,
    space: document.getElementById('start-space').value,
    seed: document.getElementById('start-seed').value || '1',
  });
  const id = document.getElementById('start-id').value.trim();
  if (id) query.set('search_id', id);
  try {
    const search = await change('POST', '/api/v1/searches?' + query);
    status.textContent = 'started ' + search.id;
  } catch (e) {
    status.textContent = 'cannot start: ' + e.message;
  }
  refresh();
});

async function refresh() {
  const status = document.getElementById('status');
  try {
    const all = [];
    let token = '';
    do {
      const page = await enas.get('/api/v1/searches?page_size=1000'
          + (token ? '&page_token=' + encodeURIComponent(token) : ''));
      all.push(...(page.searches || []));
      token = page.next_page_token;
    } while (token);
    all.reverse(); // newest first
    render(all);
    status.textContent = all.length === 0 ? 'no searches yet: start one with'
        + ' `client/enas search start --preset smoke`' : `${all.length} searches`;
  } catch (e) {
    status.textContent = 'cannot list the searches: ' + e.message;
  }
}

refresh();
setInterval(refresh, 2000);
