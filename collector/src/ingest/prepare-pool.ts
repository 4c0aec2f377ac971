import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { MalformedRequest } from '../decode/limits.ts';
import { transferable } from '../lib/transferable.ts';
import { prepare, type Prepared, type PrepareOptions, type RawRequest } from './prepare.ts';

interface Job {
  resolve: (prepared: Prepared) => void;
  reject: (error: Error) => void;
}

interface Thread {
  worker: Worker;
  jobs: Map<number, Job>;
}

type Reply = { id: number; prepared: Prepared } | { id: number; malformed: boolean; message: string };

// Run from sources (tsx, vitest) the worker is a .ts file and needs the same loader; compiled, plain .js.
const ownExtension = extname(fileURLToPath(import.meta.url));
const workerFile = new URL(`./prepare-worker${ownExtension}`, import.meta.url);
const workerExecArgv = ownExtension === '.ts' ? ['--import', 'tsx'] : [];

/**
 * Where requests are decoded, enriched and serialised: `threads` worker threads, so that this CPU work
 * runs on every core while the main thread parses HTTP, appends to the write-ahead log and answers;
 * with 0 threads, in the main thread. A request goes to the thread with the fewest waiting. A thread
 * that dies fails only the requests it held (the senders retry) and is replaced.
 */
export class PreparePool {
  private readonly threads: Thread[] = [];
  private nextId = 0;
  private closed = false;

  constructor(
    threads: number,
    private readonly options: PrepareOptions,
    private readonly log: (line: string) => void = () => {},
  ) {
    for (let i = 0; i < threads; i++) this.threads.push(this.start());
  }

  get size(): number {
    return this.threads.length;
  }

  prepare(request: RawRequest): Promise<Prepared> {
    if (this.threads.length === 0) return Promise.resolve().then(() => prepare(request, this.options));
    if (this.closed) return Promise.reject(new Error('the collector is shutting down'));
    const thread = this.threads.reduce((least, t) => (t.jobs.size < least.jobs.size ? t : least));
    const id = this.nextId++;
    // The thread gets a body that owns its memory, moved to it rather than copied on arrival. A large body
    // as the receivers read it is a buffer of its own and moves as it is (the caller no longer reads it);
    // any other is copied here, on the main thread, which mostly waits, rather than in the busy thread.
    let body = request.body;
    if (transferable(body) === undefined) {
      body = Buffer.allocUnsafeSlow(request.body.byteLength);
      body.set(request.body);
    }
    return new Promise<Prepared>((resolve, reject) => {
      thread.jobs.set(id, { resolve, reject });
      thread.worker.postMessage({ id, request: { ...request, body } }, [transferable(body)!]);
    });
  }

  /** Lets the requests in hand finish, then stops the threads. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      this.threads.map(async (thread) => {
        while (thread.jobs.size > 0) await new Promise((resolve) => setTimeout(resolve, 5));
        await thread.worker.terminate();
      }),
    );
  }

  private start(): Thread {
    const worker = new Worker(workerFile, { workerData: this.options, execArgv: workerExecArgv });
    const thread: Thread = { worker, jobs: new Map() };
    worker.on('message', (reply: Reply) => {
      const job = thread.jobs.get(reply.id);
      if (!job) return;
      thread.jobs.delete(reply.id);
      if ('prepared' in reply) job.resolve(reply.prepared);
      else job.reject(reply.malformed ? new MalformedRequest(reply.message) : new Error(reply.message));
    });
    worker.on('error', (error) => this.replace(thread, error));
    worker.on('exit', (code) => {
      if (!this.closed) this.replace(thread, new Error(`exited with code ${code}`));
    });
    return thread;
  }

  private replace(thread: Thread, error: Error): void {
    const index = this.threads.indexOf(thread);
    if (index === -1) return;
    this.log(`a prepare thread failed (${error.message}); ${thread.jobs.size} requests in it are answered with an error and the thread is restarted`);
    for (const job of thread.jobs.values()) job.reject(new Error(`the thread decoding this request failed (${error.message})`));
    thread.jobs.clear();
    void thread.worker.terminate();
    this.threads[index] = this.start();
  }
}
