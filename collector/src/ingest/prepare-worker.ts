import { parentPort, workerData } from 'node:worker_threads';
import { MalformedRequest } from '../decode/limits.ts';
import { prepare, type PrepareOptions, type RawRequest } from './prepare.ts';

// A thread of the prepare pool: requests in, Native blocks out. It never opens the store.
const options = workerData as PrepareOptions;
parentPort!.on('message', ({ id, request }: { id: number; request: RawRequest }) => {
  try {
    parentPort!.postMessage({ id, prepared: prepare(request, options) });
  } catch (error) {
    parentPort!.postMessage({ id, malformed: error instanceof MalformedRequest, message: (error as Error).message });
  }
});
