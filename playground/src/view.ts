/** Rendering: stored state in, DOM out. The forms and buttons are static in index.html; these fill the rest. */
import type { CheckpointInfo, JsonValue, SessionSnapshot } from '../../src/index.js';
import { byId, fill, h } from './dom.js';
import { STATUS_LABELS, type Lane, type SessionRow, type SessionStatus, type Step } from './model.js';

const STEP_LABELS: Record<Step['status'], string> = {
  completed: 'completed',
  failed: 'failed',
  running: 'running',
  pending: 'next',
  waiting: 'waiting',
};

/** The time alone for today (`14:03:21`), with the date for another day (`9 May 2025, 14:03`), in the reader's locale. */
export function formatTime(seconds: number): string {
  const date = new Date(seconds * 1000);
  const today = new Date().toDateString() === date.toDateString();
  return today
    ? date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' })
    : date.toLocaleString(undefined, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
}

function formatBytes(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KB`;
}

function formatDuration(seconds: number): string {
  return seconds < 60 ? `${seconds.toFixed(1)} s` : `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

export function pill(status: string, label: string): HTMLElement {
  return h('span', { class: `pill s-${status}`, 'data-status': status }, label);
}

/** A short, readable rendering of a step's answer for its tooltip. */
function summarise(value: JsonValue | undefined): string {
  if (value === undefined) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value, null, 1).replace(/\s*\n\s*/g, ' ');
  return text.length > 240 ? `${text.slice(0, 240)}…` : text;
}

export function renderSessions(rows: SessionRow[], selected: string | undefined, checkpointCounts: ReadonlyMap<string, number>): void {
  const list = byId('sessions');
  if (rows.length === 0) {
    fill(list, h('li', { class: 'empty' }, 'No sessions yet. Start one, or import files.'));
    return;
  }
  const sorted = [...rows].sort((a, b) => b.savedAt - a.savedAt);
  fill(
    list,
    ...sorted.map((row) => {
      const count = checkpointCounts.get(row.sessionId) ?? 0;
      return h(
        'li',
        {},
        h(
          'a',
          {
            class: `session-item${row.sessionId === selected ? ' selected' : ''}`,
            href: `#session=${encodeURIComponent(row.sessionId)}`,
            'data-session': row.sessionId,
            'aria-current': row.sessionId === selected ? 'true' : undefined,
          },
          h('span', { class: 'session-id' }, row.sessionId),
          row.title && h('span', { class: 'session-title' }, row.title),
          h(
            'span',
            { class: 'session-meta' },
            pill(row.status, STATUS_LABELS[row.status]),
            h(
              'span',
              {},
              formatTime(row.savedAt),
              row.steps !== undefined && ` · ${row.steps} ${row.steps === 1 ? 'step' : 'steps'}`,
              count > 0 && ` · ${count} ${count === 1 ? 'checkpoint' : 'checkpoints'}`,
            ),
          ),
        ),
      );
    }),
  );
}

export interface SessionHeader {
  snapshot: SessionSnapshot;
  status: SessionStatus;
  title: string;
  progress: { done: number; total: number };
  note: string | undefined;
}

export function renderHeader({ snapshot, status, title, progress, note }: SessionHeader): void {
  fill(byId('session-title'), snapshot.sessionId);
  const statusPill = byId('session-status');
  statusPill.className = `pill s-${status}`;
  statusPill.dataset.status = status;
  statusPill.textContent = STATUS_LABELS[status];
  fill(
    byId('session-sub'),
    title && h('span', { class: 'topic' }, title),
    title && ' · ',
    `${progress.done} of ${progress.total} ${status === 'inspect' ? 'branches completed' : 'steps'} · saved ${formatTime(snapshot.timestamp)}`,
  );
  const bar = byId('progress-bar');
  // The bar glides as a session progresses, but jumps when another session is shown.
  bar.style.transition = bar.dataset.session === snapshot.sessionId ? '' : 'none';
  bar.dataset.session = snapshot.sessionId;
  bar.style.width = `${Math.round((100 * progress.done) / progress.total)}%`;
  bar.dataset.status = status;
  const noteElement = byId('session-note');
  noteElement.hidden = note === undefined;
  noteElement.className = `note n-${status}`;
  noteElement.textContent = note ?? '';
}

/** The header of a session whose file cannot be trusted: no branches to show, only what is wrong. */
export function renderCorrupt(sessionId: string, reason: string): void {
  fill(byId('session-title'), sessionId);
  const statusPill = byId('session-status');
  statusPill.className = 'pill s-failed';
  statusPill.dataset.status = 'corrupt';
  statusPill.textContent = 'Corrupt file';
  fill(byId('session-sub'));
  byId('progress-bar').style.width = '0%';
  const note = byId('session-note');
  note.hidden = false;
  note.className = 'note n-failed';
  note.textContent = `This session's file cannot be trusted: ${reason}. Restore one of its checkpoints, or delete it.`;
  renderLanes([]);
  renderResult(undefined);
}

/** A small fork: one line splitting into three, for a step that fanned out. */
function forkIcon(): SVGElement {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  path.setAttribute('d', 'M2 8h4M6 8l7-5M6 8h7M6 8l7 5');
  svg.append(path);
  return svg;
}

function stepChip(step: Step): HTMLElement {
  const detail = summarise(step.detail);
  const name = step.label ?? step.agent;
  return h(
    'li',
    {
      class: `step s-${step.status}`,
      'data-status': step.status,
      'data-agent': step.agent || undefined,
      title: detail ? `${name} · ${STEP_LABELS[step.status]}\n${detail}` : `${name} · ${STEP_LABELS[step.status]}`,
    },
    h('span', { class: 'dot', 'aria-hidden': 'true' }),
    h('span', { class: 'agent' }, name),
    step.fanOut !== undefined && h('span', { class: 'fan', title: `started ${step.fanOut} parallel branches` }, forkIcon(), String(step.fanOut)),
  );
}

export function renderLanes(lanes: Lane[]): void {
  fill(
    byId('lanes'),
    ...lanes.map((lane) => {
      const { branch } = lane;
      const { startTime, endTime, error } = branch.state;
      const duration = startTime !== null && endTime !== null ? formatDuration(endTime - startTime) : undefined;
      const done = lane.steps.filter((s) => s.status === 'completed').length;
      const steps: HTMLElement[] = [];
      lane.steps.forEach((step, i) => {
        if (i > 0) steps.push(h('li', { class: 'arrow', 'aria-hidden': 'true' }));
        steps.push(stepChip(step));
      });
      return h(
        'section',
        {
          class: `lane s-${lane.status}${lane.depth > 0 ? ' child' : ''}`,
          style: `--depth: ${lane.depth}`,
          'data-branch': branch.id,
          'data-status': lane.status,
          'aria-label': `Branch ${branch.id}`,
        },
        h(
          'header',
          { class: 'lane-head' },
          h('span', { class: 'lane-name' }, branch.parentBranch === null ? branch.name : branch.id.split('/').pop() ?? branch.id),
          lane.depth > 0 && h('span', { class: 'lane-parent' }, `from ${branch.parentBranch}`),
          pill(lane.status, lane.status),
          h('span', { class: 'lane-meta' }, `${done} ${done === 1 ? 'step' : 'steps'}`, duration && ` · ${duration}`),
        ),
        steps.length > 0 ? h('ol', { class: 'steps' }, ...steps) : h('p', { class: 'no-steps' }, 'no steps recorded'),
        error && h('p', { class: 'lane-error' }, error),
      );
    }),
  );
}

export function renderResult(response: JsonValue | undefined): void {
  const card = byId('result');
  card.hidden = response === undefined;
  if (response === undefined) return;
  const report =
    typeof response === 'object' && response !== null && !Array.isArray(response) && typeof response.report === 'string'
      ? response.report
      : undefined;
  fill(
    card,
    h('h2', {}, 'Result'),
    report !== undefined ? h('p', { class: 'report' }, report) : h('pre', { class: 'json' }, JSON.stringify(response, null, 2)),
  );
}

export interface CheckpointActions {
  enabled: boolean;
  /** Whether the session is one of this page's workflows, which checkpoint themselves before each Writer step. */
  workflow: boolean;
  restore(checkpoint: CheckpointInfo): void;
  remove(checkpoint: CheckpointInfo): void;
}

export function renderCheckpoints(checkpoints: CheckpointInfo[], actions: CheckpointActions): void {
  const list = byId('checkpoints');
  if (checkpoints.length === 0) {
    const automatic = actions.workflow ? '; the workflow also takes one before each Writer step' : '';
    fill(list, h('li', { class: 'empty' }, `None yet. Name one above${automatic}.`));
    return;
  }
  fill(
    list,
    ...checkpoints.map((checkpoint) =>
      h(
        'li',
        { class: 'checkpoint', 'data-checkpoint': checkpoint.checkpointId, 'data-name': checkpoint.name },
        h(
          'div',
          { class: 'checkpoint-text' },
          h('span', { class: 'checkpoint-name' }, checkpoint.name),
          checkpoint.auto && h('span', { class: 'badge' }, 'auto'),
          checkpoint.critical && h('span', { class: 'badge critical' }, 'critical'),
          h('span', { class: 'checkpoint-time' }, formatTime(checkpoint.timestamp)),
        ),
        h(
          'div',
          { class: 'checkpoint-actions' },
          h(
            'button',
            {
              type: 'button',
              class: 'small',
              disabled: !actions.enabled,
              title: 'Roll the session back to this checkpoint (the current state is kept as a pre_rollback checkpoint)',
              onclick: () => actions.restore(checkpoint),
            },
            'Restore',
          ),
          h(
            'button',
            {
              type: 'button',
              class: 'small icon',
              disabled: !actions.enabled,
              'aria-label': `Delete checkpoint ${checkpoint.name}`,
              title: 'Delete this checkpoint',
              onclick: () => actions.remove(checkpoint),
            },
            '×',
          ),
        ),
      ),
    ),
  );
}

export interface StoredFile {
  /** Where it is stored, such as `/state/sessions/session_x.json`. */
  path: string;
  /** The path under the base directory, such as `sessions/session_x.json`. */
  relative: string;
  name: string;
  size: number;
  download(): void;
}

/** Text with line-break opportunities after `/`, `_` and `-`, for long file names in a narrow column. */
function breakable(text: string): (string | HTMLElement)[] {
  return text.split(/(?<=[/_-])/).flatMap((part, i) => (i === 0 ? [part] : [h('wbr'), part]));
}

export function renderFiles(files: StoredFile[], saveToFolder: (() => void) | undefined): void {
  fill(
    byId('files'),
    ...files.map((file) =>
      h(
        'li',
        { class: 'file' },
        h('code', { class: 'file-path', title: file.path }, ...breakable(file.relative)),
        h('span', { class: 'file-size' }, formatBytes(file.size)),
        h('button', { type: 'button', class: 'small link', 'aria-label': `Download ${file.name}`, onclick: () => file.download() }, 'Download'),
      ),
    ),
    saveToFolder &&
      h(
        'li',
        { class: 'file-actions' },
        h('button', { type: 'button', class: 'small', onclick: saveToFolder, title: 'Write sessions/ and checkpoints/ into a folder: a base directory for waymark in Node, or for MARSYS' }, 'Save all to a folder…'),
      ),
  );
}

/** The error banner: a title and one line per problem. Stays until dismissed or replaced. */
export function showBanner(title: string, problems: string[] = []): void {
  byId('notice').hidden = true;
  fill(byId('banner-title'), title);
  fill(byId('banner-problems'), ...problems.map((p) => h('li', {}, p)));
  byId('banner').hidden = false;
}

export function hideBanner(): void {
  byId('banner').hidden = true;
}

let noticeTimer: ReturnType<typeof setTimeout> | undefined;

/** A short confirmation that fades after a few seconds. */
export function showNotice(text: string): void {
  const notice = byId('notice');
  notice.textContent = text;
  notice.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => (notice.hidden = true), 5000);
}

/** Asks with the page's dialog; resolves whether the user confirmed. */
export function confirmAction(text: string, action: string): Promise<boolean> {
  const dialog = byId<HTMLDialogElement>('confirm');
  fill(byId('confirm-text'), text);
  fill(byId('confirm-ok'), action);
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true }));
}
