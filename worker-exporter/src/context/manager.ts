import { ROOT_CONTEXT, type Context, type ContextManager } from '@opentelemetry/api';

interface AsyncLocalStorageLike {
  getStore(): Context | undefined;
  run<R>(store: Context, fn: () => R): R;
}

interface ProcessWithBuiltins {
  getBuiltinModule?(id: string): { AsyncLocalStorage?: new () => AsyncLocalStorageLike } | undefined;
}

/**
 * The context follows `await` only through AsyncLocalStorage, which workerd exposes with
 * `nodejs_compat`. It is looked up at run time (not imported) so the bundle also builds and runs
 * without that flag; then the context holds only for synchronous code inside `context.with`.
 */
export function createContextManager(): ContextManager {
  const proc = (globalThis as { process?: ProcessWithBuiltins }).process;
  const Als = proc?.getBuiltinModule?.('node:async_hooks')?.AsyncLocalStorage;
  return Als ? new AsyncContextManager(new Als()) : new SyncContextManager();
}

abstract class BaseContextManager implements ContextManager {
  abstract active(): Context;
  abstract with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    context: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F>;

  bind<T>(context: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const fn = target as unknown as (...args: unknown[]) => unknown;
    const manager = this;
    return function (this: unknown, ...args: unknown[]) {
      return manager.with(context, () => fn.apply(this, args));
    } as unknown as T;
  }

  enable(): this {
    return this;
  }

  disable(): this {
    return this;
  }
}

class AsyncContextManager extends BaseContextManager {
  constructor(readonly storage: AsyncLocalStorageLike) {
    super();
  }

  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    context: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.storage.run(context, () => fn.call(thisArg, ...args));
  }
}

class SyncContextManager extends BaseContextManager {
  #current: Context = ROOT_CONTEXT;

  active(): Context {
    return this.#current;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    context: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    const previous = this.#current;
    this.#current = context;
    try {
      return fn.call(thisArg, ...args);
    } finally {
      this.#current = previous;
    }
  }
}
