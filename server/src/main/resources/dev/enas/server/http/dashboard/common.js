// Shared helpers of the dashboard's pages: fetching the JSON API and formatting its values.
'use strict';

const enas = {
  /** GETs a JSON API path; rejects with the API's error message. */
  async get(path) {
    const response = await fetch(path, { headers: { Accept: 'application/json' } });
    const body = await response.json();
    if (!response.ok) {
      throw new Error(body.error ? body.error.message : response.statusText);
    }
    return body;
  },

  /** A protobuf JSON number (64-bit integers arrive as strings). */
  num(value) {
    return value === undefined || value === null ? NaN : Number(value);
  },

  /** Milliseconds since the epoch of a protobuf JSON Timestamp, or NaN. */
  time(value) {
    return value ? Date.parse(value) : NaN;
  },

  /** "1 h 02 min", "3 min 05 s", "12 s". */
  duration(ms) {
    if (!isFinite(ms) || ms < 0) return '–';
    const s = Math.round(ms / 1000);
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min`;
    if (m > 0) return `${m} min ${String(r).padStart(2, '0')} s`;
    return `${r} s`;
  },

  fixed(value, digits) {
    return isFinite(value) ? Number(value).toFixed(digits) : '–';
  },

  /** SEARCH_STATE_RUNNING -> RUNNING, PHASE_SHARED_TRAINING -> SHARED TRAINING. */
  enumName(value, prefix) {
    return (value || '').replace(prefix, '').replace(/_/g, ' ');
  },

  /** A table cell with text (never HTML: ids and reasons come from clients). */
  cell(row, text, className) {
    const td = document.createElement('td');
    td.textContent = text;
    if (className) td.className = className;
    row.appendChild(td);
    return td;
  },
};
