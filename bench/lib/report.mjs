// Markdown tables, the listing chart (SVG) and the targets' verdicts, from the
// suites' results.
import { bytes, ms, ratio } from './measure.mjs';

const OP_NAMES = { save: 'saveSession', load: 'loadSession', checkpoint: 'createCheckpoint', restore: 'restoreCheckpoint' };
const FLOOR_NAMES = {
  save: 'stringify + write temp + rename',
  load: 'readFile + JSON.parse',
  checkpoint: 'load floor + save floor',
  restore: 'readFile + JSON.parse',
};

/** The issue's targets, as checks on the results; each yields { target, value, met } rows. */
export function verdicts(results) {
  const out = [];
  const row = (store, size, op) => results.storage?.find((r) => r.store === store && r.size === size && r.op === op);
  const check = (target, value, limit) => out.push({ target, value, limit, met: value !== undefined && value <= limit });
  for (const size of [100_000, 1_000_000]) {
    const label = bytes(size).replace('.00', '');
    const durable = row('node-durable', size, 'save');
    if (durable) check(`saveSession durable ${label} ≤ 1.3× fsync floor`, durable.waymark / durable.floor, 1.3);
    const plain = row('node', size, 'save');
    if (plain) check(`saveSession not durable ${label} ≤ 1.5× floor`, plain.waymark / plain.floor, 1.5);
    for (const store of ['node-durable', 'node']) {
      const load = row(store, size, 'load');
      if (load) check(`loadSession (${store === 'node' ? 'not durable' : 'durable'} fs) ${label} ≤ 1.5× read + parse`, load.waymark / load.floor, 1.5);
    }
  }
  for (const r of results.storage?.filter((r) => r.store === 'memfs' && r.op === 'save') ?? []) {
    const load = row('memfs', r.size, 'load');
    check(`memfs save + load ${bytes(r.size).replace('.00', '')} ≤ 2× memfs floor`, (r.waymark + load.waymark) / (r.floor + load.floor), 2);
  }
  const list = results.listing?.find((r) => r.count === 10_000);
  if (list) {
    check('listSessions cold, 10,000 sessions ≤ 0.15× floor', list.cold.waymark / list.cold.floor, 0.15);
    check('listSessions warm, 10,000 sessions ≤ 0.01× floor', list.warm.waymark / list.warm.floor, 0.01);
  }
  const orchestra = results.orchestra;
  if (orchestra) {
    const mem = orchestra.find((r) => r.id === 'memfs');
    check('Orchestra on memfs, saves after every step ≤ 2× persistence off', mem.ms / persistenceOff(orchestra, mem).ms, 2);
    const background = orchestra.find((r) => r.id === 'memfs-background');
    if (background) check("Orchestra on memfs, saves: 'background' ≤ 2× persistence off", background.ms / persistenceOff(orchestra, background).ms, 2);
  }
  for (const r of results.browser?.rows.filter((r) => r.op === 'save' || r.op === 'load') ?? []) {
    check(`IndexedDB ${r.op} ${bytes(r.size).replace('.00', '')} ≤ 1.5× idb-keyval`, r.waymark / r.floor, 1.5);
  }
  for (const r of results.size ?? []) check(`bundle: ${r.label} ≤ ${(r.budget / 1024).toFixed(0)} KiB min+gzip`, r.gzip / r.budget, 1);
  out.push(...peerVerdicts(results.storage ?? []));
  return out;
}

/**
 * Peers faster because they promise less than waymark on the same store: the
 * issue excuses them, provided the report says so beside their figures (the
 * peers' notes). unstorage's fs driver writes files in place, so a crash
 * mid-write leaves a torn file. Every other peer promises what waymark does
 * on its store: SqliteSaver FULL a durable, atomic save; NORMAL an atomic one
 * (as `durable: false`); the in-memory stores, like memfs, atomic writes that
 * do not outlive the process.
 */
const PROMISES_LESS = new Set(['unstorage fs']);

/** Within this of a peer's time, waymark matches it: the issue asks each peer to be "beaten or matched". */
const MATCHED = 1.05;

/**
 * The issue's peer target, one verdict per peer judged: waymark's time at
 * most `MATCHED` times the peer's on every row the peer was measured on. The
 * value is the worst row's ratio; `detail` names that row and how many rows
 * the peer is faster on.
 */
function peerVerdicts(storage) {
  const rowsByPeer = new Map();
  for (const row of storage) {
    for (const peer of row.peers) {
      if (PROMISES_LESS.has(peer.name)) continue;
      if (!rowsByPeer.has(peer.name)) rowsByPeer.set(peer.name, { storeLabel: row.storeLabel, ratios: [] });
      rowsByPeer.get(peer.name).ratios.push({ row, ratio: row.waymark / peer.ms });
    }
  }
  return [...rowsByPeer].map(([name, { storeLabel, ratios }]) => {
    const worst = ratios.reduce((a, b) => (b.ratio > a.ratio ? b : a));
    const slower = ratios.filter((r) => r.ratio > MATCHED).length;
    return {
      target: `${name} beaten or matched (waymark ≤ ${MATCHED}× its time) on every ${storeLabel} row`,
      value: worst.ratio,
      limit: MATCHED,
      met: worst.ratio <= MATCHED,
      detail: `slowest: ${OP_NAMES[worst.row.op]} ${bytes(worst.row.bytes)}; slower on ${slower} of ${ratios.length} row${ratios.length === 1 ? '' : 's'}`,
    };
  });
}

/** Below a microsecond (or below zero: run-to-run noise) is shown as ~0. */
function perStepText(us) {
  return us < 1 ? '~0' : us.toFixed(0);
}

/** The Orchestra row without persistence that `row` is compared with: the run in the same saves mode with the same agents (older results have one, without either). */
function persistenceOff(rows, row) {
  const offs = rows.filter((r) => r.id.startsWith('off'));
  return offs.find((r) => r.saveMode === row.saveMode && r.agents === row.agents) ?? offs[0];
}

function table(head, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

function storageTable(rows) {
  return table(
    ['store', 'size on disk', 'operation', 'floor ms', 'waymark ms', 'waymark ÷ floor', 'peers: ms (÷ floor)'],
    rows.map((r) => [
      r.storeLabel,
      bytes(r.bytes),
      OP_NAMES[r.op],
      ms(r.floor),
      ms(r.waymark),
      `**${ratio(r.waymark / r.floor)}**`,
      r.peers.map((p) => `${p.name} ${ms(p.ms)} (${ratio(p.ms / r.floor)})`).join('; ') || '–',
    ]),
  );
}

export function markdown(results, meta) {
  const parts = [`# waymark benchmark`, '', `${meta.machine}; ${meta.date}; Node ${meta.node}${results.browser ? `; Chromium ${results.browser.version}` : ''}.`, ''];
  parts.push(
    'Medians over interleaved rounds (every case of a group runs in every round, in rotating order); ratios are to the floor measured in the same rounds. Lower is better.',
    '',
  );
  if (results.storage) {
    parts.push('## Save, load, checkpoint, restore', '');
    parts.push(
      'Floors, on the same file system: ' +
        Object.entries(FLOOR_NAMES)
          .map(([op, text]) => `${OP_NAMES[op]}: ${text}`)
          .join('; ') +
        '. On the durable disk the save floor also fsyncs the temp file and the directory. The state is the same (as plain JSON): up to a dozen branches (one at 1 KB) with message histories, results and metadata.',
      '',
    );
    parts.push(storageTable(results.storage), '');
    const notes = new Map();
    for (const r of results.storage) for (const p of r.peers) notes.set(p.name, p.note);
    parts.push(
      'Peers, and what they promise (the peer target, under Targets, judges each peer but one that promises less than waymark on its store):',
      '',
      ...[...notes].map(([name, note]) => `- **${name}**: ${note}${PROMISES_LESS.has(name) ? ' — promises less: not judged' : ''}.`),
      '',
    );
  }
  if (results.listing) {
    parts.push('## listSessions()', '');
    parts.push(
      'Sessions of about 5 KB. Floor: sequential async `readdir` + `readFile` + `JSON.parse` of every session file. Cold: the first call in a fresh process (median of fresh processes; process start not timed). Warm: called again with nothing changed.',
      '',
    );
    parts.push(
      table(
        ['sessions', 'floor cold ms', 'waymark cold ms', 'cold ÷ floor', 'floor warm ms', 'waymark warm ms', 'warm ÷ floor', 'SqliteSaver.list cold ms', 'unstorage getKeys+getItem cold ms'],
        results.listing.map((r) => [
          r.count.toLocaleString('en'),
          ms(r.cold.floor),
          ms(r.cold.waymark),
          `**${ratio(r.cold.waymark / r.cold.floor)}**`,
          ms(r.warm.floor),
          ms(r.warm.waymark),
          `**${ratio(r.warm.waymark / r.warm.floor)}**`,
          ms(r.cold.sqlite),
          ms(r.cold.unstorage),
        ]),
      ),
      '',
      '![listSessions time against the number of sessions](../../docs/bench-listing.svg)',
      '',
    );
  }
  if (results.orchestra) {
    parts.push('## Orchestra', '', `A 1,000-step workflow whose agents do nothing (or only wait a turn, where a row says so); whole runs, median of interleaved runs. The floor row saves each step as the plainest store would: \`JSON.stringify(state, null, 2)\`, write temp + rename on memfs (no Python format, no checksum, no validation). Persistence per step: what a row's run costs beyond the run without persistence, per step. Every row saves after every step (Orchestra's default) but those with \`saves: 'background'\`, which save as often as storage keeps up: the steps follow each other without waiting on anything, so the first save is of the run's start and the next of the finished run. Each row is compared with the run without persistence in its own mode, with the same agents (the one saving after every step still awaits a save that does nothing after each step). In the rows whose agents wait a turn of the event loop per step, as agents waiting on I/O do, each background save gets its turn between two steps: such a run saves after nearly every step, as the default does, but no step waits for a save. Saves per run: the states each run handed to \`prepareSave\`.`, '');
    parts.push(
      table(
        ['persistence', 'saves per run', 'run ms', 'steps/s', '÷ persistence off', 'persistence µs per step'],
        results.orchestra.map((r) => {
          const off = persistenceOff(results.orchestra, r);
          const perStepUs = ((r.ms - off.ms) / r.steps) * 1000;
          return [r.label, r.saves ?? '–', ms(r.ms), r.stepsPerSecond.toFixed(0), `**${ratio(r.ms / off.ms)}**`, r === off ? '–' : perStepText(perStepUs)];
        }),
      ),
      '',
    );
  }
  if (results.browser) {
    parts.push('## IndexedDB in Chromium', '', 'Floor: idb-keyval `set` of `JSON.stringify(state, null, 2)` / `get` + `JSON.parse`, in the same page and rounds.', '');
    parts.push(
      table(
        ['size', 'operation', 'idb-keyval ms', 'waymark/idb ms', 'waymark ÷ floor'],
        results.browser.rows.map((r) => [bytes(r.bytes), OP_NAMES[r.op], ms(r.floor), ms(r.waymark), `**${ratio(r.waymark / r.floor)}**`]),
      ),
      '',
    );
    const list = results.browser.listing;
    if (list) {
      parts.push(
        `listSessions over ${list.count.toLocaleString('en-US')} sessions of about 5 KB, against idb-keyval \`values\` (one getAll) + \`JSON.parse\` of every session: medians of rounds; "after a save" is a listing right after the same backend saved one session (the fs tells it which files it wrote since: only the saved file is read again and parsed).`,
        '',
        table(
          ['listing', 'ms', '÷ floor'],
          [
            ['floor: getAll + parse', ms(list.floor), '1.00×'],
            ['cold (new backend, saved index)', ms(list.cold), ratio(list.cold / list.floor)],
            ['warm (nothing changed)', ms(list.warm), ratio(list.warm / list.floor)],
            ['after a save', ms(list.afterSave), ratio(list.afterSave / list.floor)],
          ],
        ),
        '',
      );
    }
  }
  if (results.size) {
    parts.push('## Browser bundle', '', 'An app importing `waymark` + `waymark/idb`, bundled by rollup (node-resolve, browser condition) and terser, gzipped.', '');
    parts.push(
      table(
        ['app', 'min bytes', 'min+gzip bytes', 'budget'],
        results.size.map((r) => [r.label, String(r.min), `**${r.gzip}** (${(r.gzip / 1024).toFixed(2)} KiB)`, `${r.budget} (${r.budget / 1024} KiB)`]),
      ),
      '',
    );
  }
  const checks = verdicts(results);
  if (checks.length) {
    parts.push('## Targets', '', table(['target', 'measured', 'met'], checks.map((c) => [c.target, measuredText(c), c.met ? 'yes' : '**no**'])), '');
  }
  return parts.join('\n');
}

/** A verdict's measured value as the Targets table shows it. */
function measuredText(check) {
  if (check.target.startsWith('bundle')) return `${(check.value * check.limit * 100).toFixed(0)}% of budget`;
  return check.detail ? `${ratio(check.value)} its time (${check.detail})` : ratio(check.value);
}

/** A log-log line chart of listing time against the number of sessions. */
export function listingChart(rows) {
  const series = [
    { key: (r) => r.cold.floor, label: 'floor: readdir + read + parse (cold)', color: '#888', dash: '6 4' },
    { key: (r) => r.cold.unstorage, label: 'unstorage getKeys + getItem (cold)', color: '#c77c02' },
    { key: (r) => r.cold.sqlite, label: 'LangGraph SqliteSaver.list (cold)', color: '#7a4fc9' },
    { key: (r) => r.cold.waymark, label: 'waymark listSessions (cold)', color: '#1f6feb' },
    { key: (r) => r.warm.waymark, label: 'waymark listSessions (warm)', color: '#2da44e' },
  ];
  const W = 640;
  const H = 380;
  const pad = { left: 64, right: 40, top: 24, bottom: 48 };
  const xs = rows.map((r) => r.count);
  const values = rows.flatMap((r) => series.map((s) => s.key(r))).filter((v) => v > 0);
  const lx = (v) => Math.log10(v);
  const [x0, x1] = [lx(Math.min(...xs)), lx(Math.max(...xs))];
  const [y0, y1] = [Math.floor(lx(Math.min(...values))), Math.ceil(lx(Math.max(...values)))];
  const px = (v) => pad.left + ((lx(v) - x0) / (x1 - x0 || 1)) * (W - pad.left - pad.right);
  const py = (v) => H - pad.bottom - ((lx(v) - y0) / (y1 - y0 || 1)) * (H - pad.top - pad.bottom);
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`];
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  for (let e = y0; e <= y1; e++) {
    const y = py(10 ** e);
    out.push(`<line x1="${pad.left}" x2="${W - pad.right}" y1="${y}" y2="${y}" stroke="#eee"/>`);
    out.push(`<text x="${pad.left - 6}" y="${y + 4}" text-anchor="end">${10 ** e >= 1 ? (10 ** e).toLocaleString('en') : 10 ** e} ms</text>`);
  }
  for (const x of xs) {
    out.push(`<line x1="${px(x)}" x2="${px(x)}" y1="${pad.top}" y2="${H - pad.bottom}" stroke="#eee"/>`);
    out.push(`<text x="${px(x)}" y="${H - pad.bottom + 16}" text-anchor="middle">${x.toLocaleString('en')}</text>`);
  }
  out.push(`<text x="${(W + pad.left) / 2}" y="${H - 10}" text-anchor="middle">stored sessions (about 5 KB each)</text>`);
  const legendTop = H - pad.bottom - 12 - series.length * 16;
  const lines = [];
  const legend = [`<rect x="${W - pad.right - 258}" y="${legendTop}" width="254" height="${series.length * 16 + 8}" fill="#fff" fill-opacity="0.9" stroke="#ddd"/>`];
  series.forEach((s, i) => {
    const points = rows.filter((r) => s.key(r) > 0).map((r) => `${px(r.count).toFixed(1)},${py(s.key(r)).toFixed(1)}`);
    lines.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" ${s.dash ? `stroke-dasharray="${s.dash}"` : ''} points="${points.join(' ')}"/>`);
    for (const p of points) lines.push(`<circle cx="${p.split(',')[0]}" cy="${p.split(',')[1]}" r="3" fill="${s.color}"/>`);
    // The legend sits bottom right, over a white box, as the lines all rise to the right.
    const ly = legendTop + 10 + i * 16;
    legend.push(`<rect x="${W - pad.right - 250}" y="${ly}" width="14" height="3" fill="${s.color}"/>`);
    legend.push(`<text x="${W - pad.right - 230}" y="${ly + 5}">${s.label}</text>`);
  });
  out.push(...lines, ...legend, '</svg>');
  return out.join('\n');
}
