/**
 * Worker-thread entry of the forest trainer: builds the trees it is sent, one at a time, on the
 * presorted training data it shares (SharedArrayBuffer) with the main thread and the other workers.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CartTreeOptions, CartWorkspace, PresortedData } from './cart-builder';
import { runTreeTask, TreeTask } from './tree-task';

export const FOREST_WORKER_MARKER = 'opa-forest-worker';

export interface ForestWorkerData {
  marker: typeof FOREST_WORKER_MARKER;
  data: PresortedData;
  treeOptions: CartTreeOptions;
}

export type ForestWorkerRequest = { kind: 'tree'; task: TreeTask } | { kind: 'stop' };

export type ForestWorkerReply =
  // The tree travels as JSON text: cheaper to clone than a deep object graph, and parsed in the receiver's own realm.
  | { kind: 'tree'; treeIndex: number; treeJson: string; heapUsedBytes: number }
  | { kind: 'error'; message: string; stack?: string };

function isForestWorkerData(value: unknown): value is ForestWorkerData {
  return typeof value === 'object' && value !== null && (value as { marker?: unknown }).marker === FOREST_WORKER_MARKER;
}

if (parentPort && isForestWorkerData(workerData)) {
  const port = parentPort;
  const { data, treeOptions } = workerData;
  const workspace = new CartWorkspace();
  port.on('message', (request: ForestWorkerRequest) => {
    if (request.kind === 'stop') {
      port.close();
      return;
    }
    try {
      const tree = runTreeTask(data, request.task, treeOptions, workspace);
      const reply: ForestWorkerReply = {
        kind: 'tree',
        treeIndex: request.task.treeIndex,
        treeJson: JSON.stringify(tree),
        heapUsedBytes: process.memoryUsage().heapUsed,
      };
      port.postMessage(reply);
    } catch (error: unknown) {
      const reply: ForestWorkerReply =
        error instanceof Error ? { kind: 'error', message: error.message, stack: error.stack } : { kind: 'error', message: String(error) };
      port.postMessage(reply);
    }
  });
}
