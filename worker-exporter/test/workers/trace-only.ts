// A Worker instrumented with the tracing-only build; WITH_AUTH asks it for what only the full build does.
import { instrument } from '../../src/trace.ts';

interface Env {
  OTLP_URL: string;
  ORIGIN_URL: string;
  WITH_AUTH: string;
}

const handler = {
  async fetch(_request: Request, env: Env): Promise<Response> {
    const res = await fetch(`${env.ORIGIN_URL}/profile`);
    return new Response(`traced ${res.status}`);
  },
};

export default instrument(handler, (env: Env) => ({
  service: { name: 'trace-only' },
  exporter: { url: env.OTLP_URL },
  batch: { delayMs: 0 },
  mesh: { urls: [`${env.ORIGIN_URL}/`] },
  ...(env.WITH_AUTH === '1' ? { auth: { jwksUrl: `${env.ORIGIN_URL}/jwks`, issuer: 'https://idp.test/', audience: 'edge' } } : {}),
}));
