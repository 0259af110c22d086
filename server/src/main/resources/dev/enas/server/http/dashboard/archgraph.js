// Architectures drawn from their canonical encoding (the README's "Architecture encoding"), the
// same text SearchSpaces.parse reads: parse() turns it into cells of nodes and edges, draw()
// renders them with d3 as SVG. Every node is a <g class="node" data-id data-choice> (its operation
// or activation id), every edge a <path class="edge" data-from data-to data-kind data-op>, so the
// drawing can be checked against the text.
'use strict';

const archGraph = (() => {
  const MACRO_OPS = ['conv 3x3', 'conv 5x5', 'sep conv 3x3', 'sep conv 5x5', 'max pool 3x3',
    'avg pool 3x3'];
  const MICRO_OPS = ['sep 3x3', 'sep 5x5', 'avg pool', 'max pool', 'identity'];
  const RNN_ACTIVATIONS = ['tanh', 'ReLU', 'identity', 'sigmoid'];

  function ints(group, where) {
    const tokens = group.trim().split(/\s+/).filter(t => t.length > 0);
    return tokens.map(t => {
      if (!/^\d+$/.test(t)) throw new Error(`${where}: '${t}' is not a number`);
      return Number(t);
    });
  }

  function inRange(value, max, what) {
    if (value < 0 || value > max) throw new Error(`${what} ${value} is outside 0..${max}`);
  }

  function macro(body) {
    const groups = body.split('|');
    const layers = groups.length;
    const nodes = [{ id: 'stem', label: 'stem', io: true }];
    const edges = [];
    const r1 = Math.floor(layers / 3) - 1, r2 = Math.floor(2 * layers / 3) - 1;
    groups.forEach((group, i) => {
      const values = ints(group, `layer ${i}`);
      if (values.length !== i + 1) {
        throw new Error(`layer ${i}: expected an op and ${i} skip bits, got ${values.length} numbers`);
      }
      inRange(values[0], MACRO_OPS.length - 1, `layer ${i}: op`);
      const reduce = i === r1 || i === r2 ? ' ↓' : '';
      nodes.push({ id: 'L' + i, label: `${i}: ${MACRO_OPS[values[0]]}${reduce}`, op: values[0] });
      edges.push({ from: i === 0 ? 'stem' : 'L' + (i - 1), to: 'L' + i, kind: 'input' });
      for (let j = 0; j < i; j++) {
        inRange(values[j + 1], 1, `layer ${i}: skip bit`);
        if (values[j + 1] === 1) edges.push({ from: 'L' + j, to: 'L' + i, kind: 'skip' });
      }
    });
    nodes.push({ id: 'out', label: 'classifier', io: true });
    edges.push({ from: 'L' + (layers - 1), to: 'out', kind: 'input' });
    return [{ title: `${layers} layers`, nodes, edges }];
  }

  function microCell(body, title) {
    const groups = body.split('|');
    const nodes = [{ id: '0', label: 'c[k-2]', io: true }, { id: '1', label: 'c[k-1]', io: true }];
    const edges = [];
    const read = new Set();
    groups.forEach((group, k) => {
      const values = ints(group, `${title} cell, node ${k + 2}`);
      if (values.length !== 4) {
        throw new Error(`${title} cell, node ${k + 2}: expected input op input op, got ${values.length} numbers`);
      }
      const id = String(k + 2);
      nodes.push({ id, label: `node ${id} (+)` });
      for (const [input, op] of [[values[0], values[1]], [values[2], values[3]]]) {
        inRange(input, k + 1, `${title} cell, node ${k + 2}: input`);
        inRange(op, MICRO_OPS.length - 1, `${title} cell, node ${k + 2}: op`);
        edges.push({ from: String(input), to: id, kind: 'op', label: MICRO_OPS[op], op });
        read.add(input);
      }
    });
    nodes.push({ id: 'out', label: 'concat', io: true });
    for (let k = 0; k < groups.length; k++) {
      if (!read.has(k + 2)) edges.push({ from: String(k + 2), to: 'out', kind: 'output' });
    }
    return { title: `${title} cell`, nodes, edges };
  }

  function micro(body) {
    const cells = body.split(';');
    if (cells.length !== 2) throw new Error(`expected a normal and a reduction cell separated by ';', got ${cells.length} parts`);
    return [microCell(cells[0], 'normal'), microCell(cells[1], 'reduction')];
  }

  function rnn(body) {
    const groups = body.split('|');
    const nodes = [{ id: 'x', label: 'x[t]', io: true }, { id: 'h', label: 'h[t-1]', io: true }];
    const edges = [];
    const read = new Set();
    groups.forEach((group, l) => {
      const values = ints(group, `node ${l}`);
      const expected = l === 0 ? 1 : 2;
      if (values.length !== expected) {
        throw new Error(`node ${l}: expected ${l === 0 ? 'an activation' : 'input activation'}, got ${values.length} numbers`);
      }
      const activation = values[values.length - 1];
      inRange(activation, RNN_ACTIVATIONS.length - 1, `node ${l}: activation`);
      nodes.push({ id: String(l), label: `${l}: ${RNN_ACTIVATIONS[activation]}`, activation });
      if (l === 0) {
        edges.push({ from: 'x', to: '0', kind: 'input' }, { from: 'h', to: '0', kind: 'input' });
      } else {
        inRange(values[0], l - 1, `node ${l}: input`);
        edges.push({ from: String(values[0]), to: String(l), kind: 'input' });
        read.add(values[0]);
      }
    });
    nodes.push({ id: 'out', label: 'avg → h[t]', io: true });
    for (let l = 0; l < groups.length; l++) {
      if (!read.has(l)) edges.push({ from: String(l), to: 'out', kind: 'output' });
    }
    return [{ title: `cell of ${groups.length} nodes`, nodes, edges }];
  }

  /** The cells of an architecture's canonical text; throws naming what is wrong. */
  function parse(encoding) {
    const colon = encoding.indexOf(':');
    if (colon < 0) throw new Error("no 'space:' prefix");
    const space = encoding.slice(0, colon).trim();
    const body = encoding.slice(colon + 1);
    switch (space) {
      case 'macro': return { space, cells: macro(body) };
      case 'micro': return { space, cells: micro(body) };
      case 'rnn': return { space, cells: rnn(body) };
      default: throw new Error(`unknown space '${space}'`);
    }
  }

  /** Longest path from a source, per node: the column it is drawn in. */
  function depths(cell) {
    const depth = new Map(cell.nodes.map(n => [n.id, 0]));
    for (let pass = 0; pass < cell.nodes.length; pass++) {
      for (const e of cell.edges) {
        depth.set(e.to, Math.max(depth.get(e.to), depth.get(e.from) + 1));
      }
    }
    return depth;
  }

  const W = 118, H = 30, COL = 150, ROW = 52, PAD = 30;

  function drawCell(svg, cell, top) {
    const depth = depths(cell);
    const columns = new Map();
    const at = new Map();
    for (const n of cell.nodes) {
      const d = depth.get(n.id);
      const row = columns.get(d) || 0;
      columns.set(d, row + 1);
      at.set(n.id, { x: PAD + d * COL, y: top + 40 + row * ROW });
    }
    const rows = Math.max(...columns.values());
    // Edges along one row arc above it, higher the longer they reach.
    const arcRoom = cell.edges.some(e => at.get(e.from).y === at.get(e.to).y
        && at.get(e.to).x - at.get(e.from).x > COL) ? 60 : 0;
    for (const n of cell.nodes) at.get(n.id).y += arcRoom;
    const g = svg.append('g').attr('class', 'cell').attr('data-title', cell.title);
    g.append('text').attr('class', 'cell-title').attr('x', PAD).attr('y', top + 16).text(cell.title);
    cell.edges.forEach(e => {
      const a = at.get(e.from), b = at.get(e.to);
      const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2;
      let d;
      if (Math.abs(y1 - y2) < 1 && x2 - x1 > COL - W + 1) {
        const lift = Math.min(arcRoom + 10, 14 + (x2 - x1) / 8);
        d = `M${a.x + W / 2},${a.y} C${a.x + W / 2},${a.y - lift} ${b.x + W / 2},${b.y - lift} ${b.x + W / 2},${b.y}`;
      } else {
        const mx = (x1 + x2) / 2;
        d = `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`;
      }
      g.append('path').attr('class', 'edge ' + e.kind).attr('d', d)
          .attr('data-from', e.from).attr('data-to', e.to).attr('data-kind', e.kind)
          .attr('data-op', e.op === undefined ? null : e.op)
          .attr('marker-end', 'url(#arrow)');
      if (e.label) {
        g.append('text').attr('class', 'edge-label')
            .attr('x', (x1 + x2) / 2).attr('y', (y1 + y2) / 2 - 4).text(e.label);
      }
    });
    const node = g.selectAll('g.node').data(cell.nodes).enter().append('g')
        .attr('class', n => 'node' + (n.io ? ' io' : ''))
        .attr('data-id', n => n.id)
        .attr('data-choice', n => n.op !== undefined ? n.op
            : n.activation !== undefined ? n.activation : null)
        .attr('transform', n => `translate(${at.get(n.id).x},${at.get(n.id).y})`);
    node.append('rect').attr('width', W).attr('height', H).attr('rx', 5);
    node.append('text').attr('x', W / 2).attr('y', H / 2).text(n => n.label);
    const width = PAD * 2 + (Math.max(...depth.values()) * COL) + W;
    return { width, height: 40 + arcRoom + rows * ROW + 10 };
  }

  /** Draws an encoding into a container element, replacing what was there. */
  function draw(container, encoding) {
    const root = d3.select(container);
    root.selectAll('*').remove();
    const parsed = parse(encoding);
    const svg = root.append('svg').attr('data-space', parsed.space);
    svg.append('defs').append('marker').attr('id', 'arrow').attr('viewBox', '0 0 10 10')
        .attr('refX', 9).attr('refY', 5).attr('markerWidth', 6).attr('markerHeight', 6)
        .attr('orient', 'auto-start-reverse')
        .append('path').attr('d', 'M0,0 L10,5 L0,10 z').attr('fill', '#8a94a8');
    let top = 0, width = 0;
    for (const cell of parsed.cells) {
      const size = drawCell(svg, cell, top);
      top += size.height;
      width = Math.max(width, size.width);
    }
    svg.attr('width', width).attr('height', top).attr('viewBox', `0 0 ${width} ${top}`);
    return parsed;
  }

  return { parse, draw };
})();
