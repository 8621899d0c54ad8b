/**
 * A tiny synchronous fork-join pool over Node worker threads, used for the hot kernels (histogram building,
 * partitioning, gradient updates, prediction, TreeSHAP).
 *
 * Design:
 * - Kernels are plain, self-contained functions `kernel(args, item)` (no closures, no module constants, and calls
 *   only to functions of their own module listed in `deps`: bundlers such as vite rewrite calls to imported
 *   functions into property accesses that would not resolve inside a worker). Their source (`Function.prototype.toString`, i.e. the JavaScript that tsx/vitest/esbuild already
 *   produced) is shipped to the workers, which compile it with `new Function`. There is no worker *file* to
 *   resolve and no TypeScript loader needed in the worker: this works the same under `node`, `tsx`, vitest and
 *   Observable Framework's data loaders.
 * - Data lives in SharedArrayBuffers; a task message carries typed-array views of them (no copy).
 * - Work is a list of independent items claimed dynamically through a shared atomic counter by the calling thread
 *   and the workers alike, so a thread that the OS preempts (on a busy machine) simply claims fewer items instead
 *   of stalling everybody at the join. The caller blocks (`Atomics.wait`) only for items still in flight, so the
 *   public API stays synchronous. Workers are `unref`'d and reused across calls; {@link shutdownWorkers} ends them.
 * - Results never depend on the number of threads or on who ran which item: items write disjoint outputs, and any
 *   combination of item results is done by the caller in a fixed order.
 * - Any worker failure (start-up timeout, exception in a kernel) makes the caller finish the missing items itself
 *   and disables the pool for the rest of the process.
 */

type WorkerThreads = typeof import("node:worker_threads");
type OsModule = typeof import("node:os");

/** A kernel runnable on the pool: `entry(args, item)` plus the helper functions it calls. */
export interface KernelSpec<A extends object> {
  /** Unique kernel name. */
  name: string;
  /** Processes one work item. */
  entry: (args: A, item: number) => void;
  /** Self-contained helper functions called by `entry`. */
  deps: ((...args: never[]) => unknown)[];
}

interface PoolWorker {
  worker: import("node:worker_threads").Worker;
  port: import("node:worker_threads").MessagePort;
  ctl: Int32Array;
  seq: number;
  kernels: Set<string>;
}

const CTL_POSTED = 0;
const CTL_DONE = 1;
const CTL_STATUS = 2;
const CTL_READY = 3;
/** How long an idle thread polls for new work (or the caller for in-flight items) before sleeping. */
const SPIN_MS = 1;

const WORKER_SOURCE = `"use strict";
const { workerData, receiveMessageOnPort } = require("node:worker_threads");
var __name = (f) => f;
const ctl = new Int32Array(workerData.ctl);
const port = workerData.port;
const kernels = Object.create(null);
Atomics.store(ctl, ${CTL_READY}, 1);
Atomics.notify(ctl, ${CTL_READY});
for (;;) {
  // Take the next queued task; when there is none, spin briefly and then sleep until the next post. (Tasks of
  // one fit arrive milliseconds apart and a sleeping thread can take a scheduler tick to wake up, which is why
  // OpenMP runtimes spin too.) Reading the post counter before polling the queue avoids lost wake-ups.
  const posted = Atomics.load(ctl, ${CTL_POSTED});
  const msg = receiveMessageOnPort(port);
  if (!msg) {
    const until = performance.now() + ${SPIN_MS};
    for (let k = 0; Atomics.load(ctl, ${CTL_POSTED}) === posted; k++) {
      if ((k & 1023) === 1023 && performance.now() > until) {
        Atomics.wait(ctl, ${CTL_POSTED}, posted);
        break;
      }
    }
    continue;
  }
  const task = msg.message;
  if (task.exit) break;
  try {
    if (task.src) kernels[task.kernel] = new Function(task.src)();
    const kernel = kernels[task.kernel];
    const ctr = task.ctr;
    for (;;) {
      const i = Atomics.add(ctr, 0, 1);
      if (i >= task.n) break;
      kernel(task.args, i);
      Atomics.store(task.flags, i, 1);
      if (Atomics.add(ctr, 1, 1) + 1 === task.n) Atomics.notify(ctr, 1);
    }
  } catch (e) {
    Atomics.store(ctl, ${CTL_STATUS}, 1);
    port.postMessage(String((e && e.stack) || e));
  }
  Atomics.store(ctl, ${CTL_DONE}, task.seq);
  Atomics.notify(ctl, ${CTL_DONE});
}
`;

let pool: PoolWorker[] = [];
let poolBroken = false;
let lastError = "";

function builtin<T>(name: string): T | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return proc?.getBuiltinModule?.(name) as T | undefined;
}

/**
 * Resolves a requested thread count: 0 means `min(os.availableParallelism(), 8)`; the result is at least 1.
 * @param requested requested number of threads (calling thread included)
 */
export function resolveThreads(requested: number): number {
  if (requested >= 1) return Math.floor(requested);
  const os = builtin<OsModule>("node:os");
  const n = os ? (os.availableParallelism?.() ?? os.cpus().length) : 1;
  return Math.max(1, Math.min(8, n));
}

/** True when shared memory and worker threads are available (and no worker has failed). */
export function workersAvailable(): boolean {
  return (
    !poolBroken &&
    typeof SharedArrayBuffer !== "undefined" &&
    builtin<WorkerThreads>("node:worker_threads") !== undefined
  );
}

/** The error text of the last worker failure ("" if none), for diagnostics. */
export function lastWorkerError(): string {
  return lastError;
}

function ensureWorkers(n: number): number {
  if (!workersAvailable()) return 0;
  const wt = builtin<WorkerThreads>("node:worker_threads")!;
  const started: PoolWorker[] = [];
  try {
    while (pool.length + started.length < n) {
      const ctl = new Int32Array(new SharedArrayBuffer(16));
      const { port1, port2 } = new wt.MessageChannel();
      const worker = new wt.Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { ctl: ctl.buffer, port: port2 },
        transferList: [port2],
      });
      worker.unref();
      port1.unref();
      started.push({ worker, port: port1, ctl, seq: 0, kernels: new Set() });
    }
    for (const w of started) {
      if (Atomics.wait(w.ctl, CTL_READY, 0, 10_000) === "timed-out") throw new Error("worker start-up timed out");
    }
  } catch (e) {
    lastError = String(e);
    for (const w of started) void w.worker.terminate();
    breakPool();
    return 0;
  }
  pool.push(...started);
  return pool.length;
}

function breakPool(): void {
  poolBroken = true;
  for (const w of pool) void w.worker.terminate();
  pool = [];
}

function kernelSource(spec: KernelSpec<object>): string {
  return `${spec.deps.map((f) => f.toString()).join("\n")}\nreturn (${spec.entry.toString()});`;
}

/** Polls `a[i]` until `done(value)`, spinning briefly and then sleeping in 1 ms waits. */
function waitUntil(a: Int32Array, i: number, done: (v: number) => boolean): void {
  const until = performance.now() + SPIN_MS;
  for (let k = 0; ; k++) {
    const v = Atomics.load(a, i);
    if (done(v)) return;
    if ((k & 1023) === 1023 && performance.now() > until) Atomics.wait(a, i, v, 1);
  }
}

/**
 * Runs `spec.entry(args, item)` for every item in [0, nItems) on up to `nThreads` threads (the calling thread
 * included), claiming items dynamically, and returns when all are done. `args` must reference shared memory for
 * anything a worker reads or writes. Runs everything on the calling thread when `nThreads <= 1`, when there is a
 * single item, or when workers are unavailable.
 * @param spec the kernel
 * @param args arguments shared by all items
 * @param nItems number of items
 * @param nThreads threads to use
 */
export function runItems<A extends object>(spec: KernelSpec<A>, args: A, nItems: number, nThreads: number): void {
  const nWorkers = nThreads > 1 && nItems > 1 ? ensureWorkers(Math.min(nThreads, nItems) - 1) : 0;
  if (nWorkers === 0) {
    for (let i = 0; i < nItems; i++) spec.entry(args, i);
    return;
  }
  const ctr = new Int32Array(new SharedArrayBuffer(8));
  const flags = new Int32Array(new SharedArrayBuffer(4 * nItems));
  const used = pool.slice(0, Math.min(nWorkers, nThreads - 1, nItems - 1));
  for (const w of used) {
    const src = w.kernels.has(spec.name) ? undefined : kernelSource(spec as unknown as KernelSpec<object>);
    w.seq++;
    w.port.postMessage({ kernel: spec.name, src, args, ctr, flags, n: nItems, seq: w.seq });
    w.kernels.add(spec.name);
    Atomics.store(w.ctl, CTL_POSTED, w.seq);
    Atomics.notify(w.ctl, CTL_POSTED);
  }
  let error: unknown = null;
  try {
    for (;;) {
      const i = Atomics.add(ctr, 0, 1);
      if (i >= nItems) break;
      spec.entry(args, i);
      Atomics.store(flags, i, 1);
      Atomics.add(ctr, 1, 1);
    }
  } catch (e) {
    error = e;
  }
  // Wait for items in flight; a failed worker leaves its items unfinished, so also watch the workers' status.
  const failed = (): boolean => used.some((w) => Atomics.load(w.ctl, CTL_STATUS) !== 0);
  if (!error) waitUntil(ctr, 1, (v) => v >= nItems || failed());
  if (error || failed()) {
    for (const w of used) waitUntil(w.ctl, CTL_DONE, (v) => v === w.seq);
    const wt = builtin<WorkerThreads>("node:worker_threads")!;
    for (const w of used) {
      const m = wt.receiveMessageOnPort(w.port);
      if (m) lastError = String(m.message);
    }
    if (failed()) breakPool();
    if (error) throw error;
    for (let i = 0; i < nItems; i++) if (Atomics.load(flags, i) === 0) spec.entry(args, i);
  }
}

/**
 * Terminates the worker threads (they are unref'd, so this is only needed to free them early). The pool is
 * recreated on the next parallel call.
 */
export async function shutdownWorkers(): Promise<void> {
  const ws = pool;
  pool = [];
  await Promise.all(ws.map((w) => w.worker.terminate()));
}

/**
 * A Float64Array on shared memory when available (so workers can use it), else an ordinary one.
 * @param n length
 */
export function sharedFloat64(n: number): Float64Array {
  return typeof SharedArrayBuffer !== "undefined"
    ? new Float64Array(new SharedArrayBuffer(n * 8))
    : new Float64Array(n);
}

/**
 * A Float32Array on shared memory when available, else an ordinary one.
 * @param n length
 */
export function sharedFloat32(n: number): Float32Array {
  return typeof SharedArrayBuffer !== "undefined"
    ? new Float32Array(new SharedArrayBuffer(n * 4))
    : new Float32Array(n);
}

/**
 * A Uint8Array on shared memory when available, else an ordinary one.
 * @param n length
 */
export function sharedUint8(n: number): Uint8Array {
  return typeof SharedArrayBuffer !== "undefined" ? new Uint8Array(new SharedArrayBuffer(n)) : new Uint8Array(n);
}

/**
 * An Int32Array on shared memory when available, else an ordinary one.
 * @param n length
 */
export function sharedInt32(n: number): Int32Array {
  return typeof SharedArrayBuffer !== "undefined" ? new Int32Array(new SharedArrayBuffer(n * 4)) : new Int32Array(n);
}

/**
 * True when a typed array lives on shared memory (workers can read it without a copy).
 * @param a a typed array
 */
export function isShared(a: ArrayBufferView): boolean {
  return typeof SharedArrayBuffer !== "undefined" && a.buffer instanceof SharedArrayBuffer;
}
