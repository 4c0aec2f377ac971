// Loads from the API for a view, re-running when its inputs change or after a token was entered.
import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import { ApiFailure } from './api.ts';

export interface AuthState {
  /** Bumped when a token is entered, so every view loads again with it. */
  epoch: number;
  /** Asks for a token; the API's refusal message is shown with the prompt. */
  requireToken: (message: string) => void;
}

export const AuthContext = createContext<AuthState>({ epoch: 0, requireToken: () => undefined });

export type Load<T> = { state: 'loading' } | { state: 'done'; data: T } | { state: 'failed'; error: ApiFailure };

export function useApi<T>(load: () => Promise<T>, inputs: unknown[]): Load<T> {
  const auth = useContext(AuthContext);
  const [result, setResult] = useState<Load<T>>({ state: 'loading' });
  useEffect(() => {
    let current = true;
    setResult({ state: 'loading' });
    load().then(
      (data) => current && setResult({ state: 'done', data }),
      (error: unknown) => {
        if (!current) return;
        const failure = error instanceof ApiFailure ? error : new ApiFailure(0, 'console', (error as Error).message);
        if (failure.status === 401) auth.requireToken(failure.message);
        setResult({ state: 'failed', error: failure });
      },
    );
    return () => {
      current = false;
    };
  }, [...inputs, auth.epoch]);
  return result;
}
