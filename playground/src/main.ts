/**
 * The playground page: waymark's Orchestra running a demo workflow in the
 * browser, on the IndexedDB fs. Everything shown is read back from storage
 * after each change, so a reload shows exactly what is stored.
 */
import { CorruptStateError, WaymarkError, type CheckpointInfo, type SessionSnapshot } from '../../src/index.js';
import { byId } from './dom.js';
import { ImportRefused, canSaveToFolder, download, exportSession, importFiles, saveToFolder } from './files.js';
import { lockedSessions, withSessionLock } from './locks.js';
import {
  finalResponse,
  lanesOf,
  progressOf,
  sessionRow,
  sessionStatus,
  workflowMeta,
  type Activity,
  type SessionRow,
  type SessionStatus,
} from './model.js';
import { SessionBusyError, createRunner } from './runner.js';
import { BASE, openStore } from './store.js';
import {
  confirmAction,
  hideBanner,
  renderCheckpoints,
  renderCorrupt,
  renderFiles,
  renderHeader,
  renderLanes,
  renderResult,
  renderSessions,
  showBanner,
  showNotice,
  type StoredFile,
} from './view.js';
import { RESEARCHERS, demoTask, expectedSteps } from './workflow.js';

const store = openStore();
const params = new URLSearchParams(location.search);

// ---- settings: page preferences, not workflow state ---------------------------------

const speed = byId<HTMLSelectElement>('speed');
const breakSwitch = byId<HTMLInputElement>('break');
const BROKEN_AGENT = RESEARCHERS[1];
speed.value = localStorage.getItem('waymark-playground:speed') ?? speed.value;
speed.addEventListener('change', () => localStorage.setItem('waymark-playground:speed', speed.value));
// ?delay=<ms> sets the agents' pace outright (the end-to-end tests use it).
const delayOverride = params.has('delay') ? Number(params.get('delay')) : undefined;
if (delayOverride !== undefined) {
  speed.append(new Option(`${delayOverride} ms (set by the URL)`, String(delayOverride), true, true));
  speed.disabled = true;
}
// ?hold=<Agent>[,<Agent>]: those agents, once started, wait until the run is paused or the page goes
// away: a fixed point at which to try a pause, a reload or a second tab.
const held = new Set((params.get('hold') ?? '').split(',').filter(Boolean));

const runner = createRunner(
  store,
  {
    delayMs: () => delayOverride ?? Number(speed.value),
    broken: (agent) => breakSwitch.checked && agent === BROKEN_AGENT,
    held: (agent) => held.has(agent),
  },
  () => scheduleRefresh(),
);

// ---- selection, kept in the URL so that a reload comes back to it ---------------------

function selectedFromHash(): string | undefined {
  const match = /^#session=(.+)$/.exec(location.hash);
  if (!match) return undefined;
  try {
    return decodeURIComponent(match[1]!);
  } catch {
    return undefined;
  }
}

function select(sessionId: string | undefined): void {
  const hash = sessionId === undefined ? '' : `#session=${encodeURIComponent(sessionId)}`;
  if (location.hash !== hash) history.replaceState(null, '', hash || location.pathname + location.search);
  scheduleRefresh();
}

window.addEventListener('hashchange', () => scheduleRefresh());

// ---- reading what is stored ------------------------------------------------------------

/** What the last refresh found of the session shown, for the buttons' handlers. */
interface Current {
  sessionId: string;
  /** Undefined when its file cannot be trusted (`corrupt` says why). */
  snapshot: SessionSnapshot | undefined;
  corrupt: CorruptStateError | undefined;
  status: SessionStatus | 'corrupt';
  checkpoints: CheckpointInfo[];
  files: StoredFile[];
  activity: Activity;
}
let current: Current | undefined;

/** Set once the user deleted the session shown: show the welcome rather than pick another. */
let welcomeWanted = false;

let refreshing: Promise<void> | undefined;
let refreshAgain = false;

/** Re-reads storage and re-renders; calls made while one runs fold into one more. */
function scheduleRefresh(): void {
  if (refreshing) {
    refreshAgain = true;
    return;
  }
  refreshing = refresh()
    .catch((error: unknown) => showBanner('Could not read the stored sessions', [messageOf(error)]))
    .finally(() => {
      refreshing = undefined;
      if (refreshAgain) {
        refreshAgain = false;
        scheduleRefresh();
      }
    });
}

store.onChange(() => scheduleRefresh());

async function activity(): Promise<Activity> {
  return { runningHere: runner.running, locked: await lockedSessions(), inFlight: runner.inFlight };
}

async function refresh(): Promise<void> {
  const now = await activity();
  const rows: SessionRow[] = (await store.manager.listSessions()).map((summary) => sessionRow(summary, now));
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.sessionId, (await store.manager.listCheckpoints(row.sessionId)).length);

  let selected = selectedFromHash();
  if (selected === undefined && rows.length > 0 && !welcomeWanted) {
    selected = [...rows].sort((a, b) => b.savedAt - a.savedAt)[0]!.sessionId;
    history.replaceState(null, '', `#session=${encodeURIComponent(selected)}`);
  }
  const shown = selected !== undefined && rows.some((row) => row.sessionId === selected) ? await readSession(selected, now) : undefined;

  // Everything is read: render it in one go, so that no frame shows half of a change.
  renderSessions(rows, selected, counts);
  watchOtherTabs(rows.some((row) => row.status === 'elsewhere'));
  current = shown;
  byId('welcome').hidden = shown !== undefined;
  byId('session').hidden = shown === undefined;
  if (shown) showSession(shown);
  updateButtons();
}

async function readSession(sessionId: string, now: Activity): Promise<Current> {
  let snapshot: SessionSnapshot | undefined;
  let corrupt: CorruptStateError | undefined;
  try {
    snapshot = await store.manager.loadSession(sessionId);
  } catch (error) {
    if (!(error instanceof CorruptStateError)) throw error;
    corrupt = error;
  }
  const checkpoints = await store.manager.listCheckpoints(sessionId);
  const files: StoredFile[] = [];
  for (const key of [`session_${sessionId}`, ...checkpoints.map((c) => c.checkpointId)]) {
    const size = await store.sizeOf(key);
    if (size === undefined) continue;
    const path = store.storage.locate(key);
    const relative = path.slice(BASE.length + 1);
    files.push({ path, relative, name: relative.slice(relative.indexOf('/') + 1), size, download: () => void downloadKey(key) });
  }
  const status = snapshot ? sessionStatus(sessionId, snapshot.metadata, now) : 'corrupt';
  return { sessionId, snapshot, corrupt, status, checkpoints, files, activity: now };
}

function showSession(shown: Current): void {
  const { snapshot, status } = shown;
  if (snapshot && status !== 'corrupt') {
    const meta = workflowMeta(snapshot.metadata);
    const task = meta?.task;
    const title = typeof task === 'object' && task !== null && !Array.isArray(task) && typeof task.topic === 'string' ? task.topic : '';
    renderHeader({ snapshot, status, title, progress: progressOf(snapshot, expectedSteps), note: noteFor(snapshot, status) });
    renderLanes(lanesOf(snapshot, status, shown.activity));
    renderResult(finalResponse(snapshot));
  } else {
    renderCorrupt(shown.sessionId, shown.corrupt?.reason ?? 'it could not be read');
  }
  const workflow = snapshot !== undefined && workflowMeta(snapshot.metadata) !== undefined;
  renderCheckpoints(shown.checkpoints, { enabled: canWrite(), workflow, restore, remove: removeCheckpoint });
  renderFiles(shown.files, canSaveToFolder() ? () => void run(exportToFolder) : undefined);
}

function noteFor(snapshot: SessionSnapshot, status: SessionStatus): string | undefined {
  const meta = workflowMeta(snapshot.metadata);
  const steps = meta?.steps ?? 0;
  const atStep = steps === 0 ? 'before its first step' : `after step ${steps}`;
  switch (status) {
    case 'interrupted':
      return `This run was interrupted: the page was reloaded or closed while it ran. Everything up to its last saved step (${atStep}) is kept; Resume continues from there.`;
    case 'paused':
      return `Paused ${atStep}. Resume continues from there; steps that were in flight run again.`;
    case 'elsewhere':
      return 'Another tab is running this session. This tab follows it read-only; Pause it there, or close that tab, to take over.';
    case 'failed': {
      const error = meta?.error;
      return error
        ? `${error.agent} failed at step ${error.step} of branch ${error.branchId}: ${sentence(error.message)} Resume retries that step.`
        : 'The run failed. Resume retries the failed step.';
    }
    case 'inspect':
      return "This session was not started by this page's workflow (a file from MARSYS or another program). Look at its branches, checkpoint it, export it; it cannot be resumed here.";
    default:
      return undefined;
  }
}

/** `text`, ending with a full stop unless it ends a sentence already. */
function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

async function downloadKey(key: string): Promise<void> {
  const text = await store.readRaw(key);
  if (text === undefined) return;
  download({ name: `${key}.json`, dir: key.startsWith('checkpoint_') ? 'checkpoints' : 'sessions', text });
}

// ---- watching other tabs' locks ----------------------------------------------------

let lockWatch: ReturnType<typeof setInterval> | undefined;

/**
 * A tab that closes mid-run saves nothing more, so nothing is broadcast: while
 * some session is running in another tab, look at the locks now and then to
 * see it become interrupted.
 */
function watchOtherTabs(needed: boolean): void {
  if (needed && lockWatch === undefined) lockWatch = setInterval(scheduleRefresh, 1000);
  if (!needed && lockWatch !== undefined) {
    clearInterval(lockWatch);
    lockWatch = undefined;
  }
}

// ---- buttons ----------------------------------------------------------------------

const buttons = {
  pause: byId<HTMLButtonElement>('pause'),
  resume: byId<HTMLButtonElement>('resume'),
  exportAll: byId<HTMLButtonElement>('export'),
  remove: byId<HTMLButtonElement>('delete'),
  checkpoint: byId<HTMLButtonElement>('checkpoint'),
};

/** Whether this tab may change the current session now (not running anywhere). */
function canWrite(): boolean {
  return current !== undefined && current.status !== 'running' && current.status !== 'elsewhere';
}

function updateButtons(): void {
  const status = current?.status;
  const workflow = current?.snapshot !== undefined && workflowMeta(current.snapshot.metadata) !== undefined;
  buttons.pause.disabled = status !== 'running';
  buttons.resume.disabled = !(workflow && (status === 'paused' || status === 'interrupted' || status === 'failed'));
  buttons.exportAll.disabled = current === undefined;
  buttons.remove.disabled = !canWrite();
  buttons.checkpoint.disabled = current?.snapshot === undefined || status === 'elsewhere';
}

/** Runs a handler, showing what goes wrong in the banner. */
async function run(action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (error instanceof ImportRefused) showBanner('Nothing was imported: every file must pass its checks first.', error.problems);
    else showBanner(titleOf(error), [messageOf(error)]);
  } finally {
    scheduleRefresh();
  }
}

function titleOf(error: unknown): string {
  if (error instanceof SessionBusyError) return 'The session is busy';
  if (error instanceof CorruptStateError) return 'A stored file is corrupt';
  if (error instanceof WaymarkError) return 'waymark refused';
  return 'Something went wrong';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Runs `work` under the session's lock, or fails saying that another tab has it. */
async function locked<T>(sessionId: string, work: () => Promise<T>): Promise<T> {
  const outcome = await withSessionLock(sessionId, work);
  if (outcome === undefined) throw new SessionBusyError(sessionId);
  return outcome.value;
}

/** A run's failure is stored and shown in the session; only errors outside it reach the banner. */
function track(result: Promise<unknown>): void {
  void run(async () => {
    await result;
  });
}

const TOPICS = [
  'Durable workflows in the browser',
  'Checkpointing multi-agent pipelines',
  'Offline-first research assistants',
  'Resumable LLM agents',
];
const topicInput = byId<HTMLInputElement>('topic');
topicInput.value = TOPICS[Math.floor(Math.random() * TOPICS.length)]!;

const SMALL_WORDS = new Set(['the', 'and', 'for', 'with', 'from', 'into', 'about', 'over']);

/** `durable-workflows-browser-q8yk6`: the topic's first words, and a suffix that keeps it unique. */
function newSessionId(topic: string): string {
  const words = topic
    .toLowerCase()
    .normalize('NFKD')
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length > 2 && !SMALL_WORDS.has(word))
    .slice(0, 3);
  const stamp = Date.now().toString(36).slice(-5);
  return `${words.join('-') || 'run'}-${stamp}`;
}

byId<HTMLFormElement>('new-run').addEventListener('submit', (event) => {
  event.preventDefault();
  hideBanner();
  const topic = topicInput.value.trim() || TOPICS[0]!;
  const sessionId = newSessionId(topic);
  welcomeWanted = false;
  select(sessionId);
  track(runner.start(sessionId, demoTask(topic)));
});

buttons.pause.addEventListener('click', () => {
  if (current) runner.pause(current.sessionId);
});

buttons.resume.addEventListener('click', () => {
  if (!current || runner.running.has(current.sessionId)) return;
  // Until the run's first refresh, a second click must not start a second run.
  buttons.resume.disabled = true;
  hideBanner();
  track(runner.resume(current.sessionId));
});

buttons.exportAll.addEventListener('click', () =>
  void run(async () => {
    if (!current) return;
    const files = await exportSession(store, current.sessionId);
    for (const file of files) download(file);
    showNotice(`Exported ${files.length} ${files.length === 1 ? 'file' : 'files'}: ${files.map((f) => f.name).join(', ')}`);
  }),
);

async function exportToFolder(): Promise<void> {
  if (!current) return;
  const files = await exportSession(store, current.sessionId);
  if (await saveToFolder(files)) showNotice(`Saved ${files.length} files into sessions/ and checkpoints/ of the chosen folder.`);
}

buttons.remove.addEventListener('click', () =>
  void run(async () => {
    if (!current) return;
    const { sessionId, checkpoints } = current;
    const also = checkpoints.length > 0 ? ` and its ${checkpoints.length} ${checkpoints.length === 1 ? 'checkpoint' : 'checkpoints'}` : '';
    if (!(await confirmAction(`Delete session "${sessionId}"${also}? This cannot be undone.`, 'Delete'))) return;
    await locked(sessionId, () => store.manager.deleteSession(sessionId, { checkpoints: true }));
    welcomeWanted = true;
    select(undefined);
    showNotice(`Deleted session ${sessionId}${also}.`);
  }),
);

byId<HTMLFormElement>('checkpoint-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void run(async () => {
    if (!current) return;
    const input = byId<HTMLInputElement>('checkpoint-name');
    const name = input.value.trim() || `manual-${new Date().toTimeString().slice(0, 8).replaceAll(':', '')}`;
    const { sessionId } = current;
    const create = () => runner.checkpoints.createCheckpoint(sessionId, name);
    // While this tab runs the session it holds the lock already, and a checkpoint copies the last save.
    await (runner.running.has(sessionId) ? create() : locked(sessionId, create));
    input.value = '';
    showNotice(`Checkpoint "${name}" created.`);
  });
});

function restore(checkpoint: CheckpointInfo): void {
  void run(async () => {
    const { sessionId } = checkpoint;
    const backup = await locked(sessionId, async () => {
      const { backupId } = await runner.checkpoints.rollbackToCheckpoint(checkpoint.checkpointId);
      // A rolled-back workflow waits for Resume, as a paused one does.
      const snapshot = await store.manager.loadSession(sessionId);
      const meta = snapshot && workflowMeta(snapshot.metadata);
      if (snapshot && meta && meta.status !== 'completed') await store.manager.pauseExecution(sessionId, snapshot);
      return backupId;
    });
    hideBanner();
    showNotice(`Rolled back to "${checkpoint.name}".${backup ? ' The state before it is kept as checkpoint pre_rollback.' : ''}`);
  });
}

function removeCheckpoint(checkpoint: CheckpointInfo): void {
  void run(async () => {
    await locked(checkpoint.sessionId, () => store.manager.deleteCheckpoint(checkpoint.checkpointId));
    showNotice(`Deleted checkpoint "${checkpoint.name}".`);
  });
}

// ---- import ------------------------------------------------------------------------

async function importChosen(files: File[], what: string): Promise<void> {
  hideBanner();
  if (files.length === 0) throw new ImportRefused([`${what}: no session_*.json or checkpoint_*.json files in it.`]);
  const result = await importFiles(store, files, runner.running);
  const count = result.sessions.length + result.checkpoints.length;
  const replaced = result.replaced.length > 0 ? ` (replacing ${result.replaced.join(', ')})` : '';
  showNotice(`Imported ${count} ${count === 1 ? 'file' : 'files'}${replaced}.`);
  // Show the first session imported; checkpoints alone appear under their session.
  const [first] = result.sessions;
  if (first !== undefined) {
    welcomeWanted = false;
    select(first);
  }
}

const filesInput = byId<HTMLInputElement>('import-files');
filesInput.addEventListener('change', () => {
  const files = Array.from(filesInput.files ?? []);
  filesInput.value = '';
  void run(() => importChosen(files, 'The chosen files'));
});

const folderInput = byId<HTMLInputElement>('import-folder');
folderInput.addEventListener('change', () => {
  // A folder is a base directory: what is in its sessions/ and checkpoints/ is imported.
  const all = Array.from(folderInput.files ?? []);
  folderInput.value = '';
  const files = all.filter((file) => /(^|\/)(sessions|checkpoints)\/[^/.][^/]*\.json$/.test(file.webkitRelativePath || file.name));
  const folder = all[0]?.webkitRelativePath.split('/')[0] ?? 'The folder';
  void run(() => importChosen(files, folder));
});

// Files dropped anywhere on the page are imported like chosen ones.
window.addEventListener('dragover', (event) => {
  if (event.dataTransfer?.types.includes('Files')) {
    event.preventDefault();
    document.body.classList.add('dropping');
  }
});
window.addEventListener('dragleave', (event) => {
  if (event.relatedTarget === null) document.body.classList.remove('dropping');
});
window.addEventListener('drop', (event) => {
  if (!event.dataTransfer?.files.length) return;
  event.preventDefault();
  document.body.classList.remove('dropping');
  const files = Array.from(event.dataTransfer.files);
  void run(() => importChosen(files, 'The dropped files'));
});

byId('banner-close').addEventListener('click', hideBanner);
byId('notice').addEventListener('click', () => (byId('notice').hidden = true));

scheduleRefresh();
