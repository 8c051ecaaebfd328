// A child process for the crash and cross-process tests: it writes sessions
// and checkpoints to a state directory on the Node disk, through the BUILT
// library (dist/), and prints one line per call that resolved:
//
//   ready          (loaded, nothing read or written yet)
//   started        (carried on from what is stored: its start-up has swept temp files)
//   save <sessionId> <writer> <seq> <checksum>
//   checkpoint <sessionId> <writer> <seq> <checkpointId>
//   delete <sessionId> <writer> <seq> <existed>
//   done
//
// stdout to a pipe is synchronous on Linux, so a line is out before the next
// call starts: a line that was printed is a call acknowledged before any kill.
//
// Usage: node crash-writer.mjs '<json options>'
//   { base, writer, sessions: [ids], mode: 'loop' | 'race', iterations?, payloadBytes?, checkpointEvery?, deleteEvery?, waitForGo? }
// 'loop' runs until killed, continuing each session from the seq stored in it;
// 'race' runs `iterations` rounds and exits.
import { createInterface } from 'node:readline';
import { FileStorageBackend, StateManager, SessionNotFoundError } from '../../dist/index.js';
import { nodeFs } from '../../dist/node.js';

const options = JSON.parse(process.argv[2]);
const { base, writer, sessions, mode, iterations = 100, payloadBytes = 2000, checkpointEvery = 5, deleteEvery = 0, waitForGo = false } = options;
const sm = new StateManager(new FileStorageBackend(base, { fs: nodeFs() }));
const print = (line) => process.stdout.write(`${line}\n`);

/** A session state whose checksum covers `writer` and `seq` (they sit in a branch's metadata). */
function stateFor(seq) {
  return {
    branches: {
      main: {
        id: 'main',
        name: 'Main',
        type: 'simple',
        topology: { agents: ['Writer'], entryAgent: 'Writer', currentAgent: 'Writer', allowedTransitions: {}, conversationPattern: null, maxIterations: null, conversationTurns: 0 },
        state: { status: 'running', currentStep: seq, totalSteps: seq, conversationTurns: 0, startTime: null, endTime: null, error: null, completedAgents: new Set(['Writer']) },
        parentBranch: null,
        metadata: { writer, seq, filler: 'w'.repeat(payloadBytes) },
      },
    },
    activeBranches: new Set(['main']),
    metadata: { writer, seq },
  };
}

// A test can start the process early and say `go` when it wants it to touch the disk.
print('ready');
if (waitForGo) {
  const lines = createInterface({ input: process.stdin });
  await new Promise((resolve) => lines.once('line', resolve));
  lines.close();
}
const seqs = new Map();
for (const id of sessions) {
  const stored = await sm.loadSession(id);
  // In loop mode each session has one writer, who carries on from what is stored.
  seqs.set(id, mode === 'loop' && stored ? Number(stored.branches.main?.metadata.seq ?? 0) : 0);
}
print('started');

for (let round = 1; mode === 'loop' || round <= iterations; round++) {
  for (const id of sessions) {
    const seq = seqs.get(id) + 1;
    seqs.set(id, seq);
    if (deleteEvery > 0 && seq % deleteEvery === 0) {
      const existed = await sm.deleteSession(id);
      print(`delete ${id} ${writer} ${seq} ${existed}`);
      continue;
    }
    const saved = await sm.saveSession(id, stateFor(seq));
    print(`save ${id} ${writer} ${seq} ${saved.checksum}`);
    if (checkpointEvery > 0 && seq % checkpointEvery === 0) {
      try {
        const checkpointId = await sm.createCheckpoint(id, 'race');
        print(`checkpoint ${id} ${writer} ${seq} ${checkpointId}`);
      } catch (error) {
        // Another writer deleted the session between our save and the checkpoint.
        if (!(error instanceof SessionNotFoundError)) throw error;
      }
    }
  }
}
print('done');
