import type { ApiFailure } from '../api.ts';
import type { Load } from '../use-api.ts';
import type { ComponentChildren } from 'preact';

/** The API's failure as it stated it (status, code, message). */
export function Failure({ error }: { error: ApiFailure }) {
  return (
    <p class="failure" role="alert">
      {error.status ? `${error.status} ${error.code}: ` : ''}
      {error.message}
    </p>
  );
}

/** Loading line, failure, or the view once the data is there. */
export function Loaded<T>({ load, children }: { load: Load<T>; children: (data: T) => ComponentChildren }) {
  if (load.state === 'loading') return <p class="muted">loading…</p>;
  if (load.state === 'failed') return <Failure error={load.error} />;
  return <>{children(load.data)}</>;
}
