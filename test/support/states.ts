import type { ExecutionBranch, SessionStateInput } from '../../src/index.js';

/** A branch as a workflow would hold it, with `overrides` merged in. */
export function branch(id: string, overrides: Partial<ExecutionBranch> = {}): ExecutionBranch {
  return {
    id,
    name: `Branch ${id}`,
    type: 'simple',
    topology: {
      agents: ['Planner', 'Writer'],
      entryAgent: 'Planner',
      currentAgent: 'Writer',
      allowedTransitions: { Planner: ['Writer'] },
      conversationPattern: null,
      maxIterations: 10,
      conversationTurns: 0,
    },
    state: {
      status: 'running',
      currentStep: 1,
      totalSteps: 1,
      conversationTurns: 0,
      startTime: 1746831500.5,
      endTime: null,
      error: null,
      completedAgents: new Set(['Planner']),
    },
    parentBranch: null,
    metadata: { note: 'ünïcode ✓', scores: [0.5, 1, 1e-7] },
    ...overrides,
  };
}

/** A small but complete session state. */
export function sampleState(step = 1): SessionStateInput {
  return {
    branches: { main: branch('main'), child: branch('child', { parentBranch: 'main' }) },
    activeBranches: new Set(['main', 'child']),
    completedBranches: new Set(),
    waitingBranches: { main: new Set(['child']) },
    branchResults: {
      child: {
        branchId: 'child',
        success: true,
        finalResponse: { text: 'done', step },
        totalSteps: 2,
        executionTrace: [{ agentName: 'Writer', success: true, actionType: 'invoke_agent', error: null }],
        branchMemory: { messages: [{ role: 'user', content: 'hi' }] },
        metadata: {},
        error: null,
      },
    },
    parentChildMap: { main: ['child'] },
    childParentMap: { child: 'main' },
    metadata: { task: 'write a report', step },
  };
}
