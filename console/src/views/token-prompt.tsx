import { useState } from 'preact/hooks';

/** Asked once per tab when the API answers 401; the token stays in this tab's sessionStorage only. */
export function TokenPrompt({ message, onToken }: { message: string; onToken: (token: string) => void }) {
  const [token, setToken] = useState('');
  return (
    <form
      class="token-prompt"
      onSubmit={(event) => {
        event.preventDefault();
        if (token.trim()) onToken(token.trim());
      }}
    >
      <h2>This Seam API needs a token</h2>
      <p class="failure" role="alert">
        {message}
      </p>
      <label>
        API token or JWT{' '}
        <input name="token" type="password" autocomplete="off" value={token} onInput={(event) => setToken(event.currentTarget.value)} autofocus />
      </label>{' '}
      <button type="submit">Use token</button>
      <p class="muted">Kept for this browser tab only (sessionStorage); closing the tab forgets it.</p>
    </form>
  );
}
