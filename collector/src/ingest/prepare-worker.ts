import { parentPort, workerData } from 'node:worker_threads';
import { MalformedRequest } from '../decode/limits.ts';
import { prepare, type PrepareOptions, type RawRequest } from './prepare.ts';

// A thread of the prepare pool: requests in, Native blocks out. It never opens the store.
const options = workerData as PrepareOptions;
parentPort!.on('message', ({ id, request }: { id: number; request: RawRequest }) => {
  try {
    const prepared = prepare(request, options);
    const { block } = prepared;
    // A block that is the whole of its memory moves to the main thread instead of being copied: a copy
    // of a 512-span block (550 KB) cost this thread 170-200 µs. A small block may share a pooled chunk.
    const owned = block.byteOffset === 0 && block.byteLength === block.buffer.byteLength;
    parentPort!.postMessage({ id, prepared }, owned ? [block.buffer as ArrayBuffer] : []);
  } catch (error) {
    parentPort!.postMessage({ id, malformed: error instanceof MalformedRequest, message: (error as Error).message });
  }
});
