import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface LoopbackServer {
  url: string;
  close(): Promise<void>;
}

export async function startServer(handle: (req: IncomingMessage, body: Buffer, res: ServerResponse) => void | Promise<void>): Promise<LoopbackServer> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => void handle(req, Buffer.concat(chunks), res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type OtlpValue = { stringValue?: string; intValue?: string; boolValue?: boolean; doubleValue?: number; arrayValue?: { values: OtlpValue[] } };
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  flags?: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: { key: string; value: OtlpValue }[];
  events: { name: string; attributes: { key: string; value: OtlpValue }[] }[];
  status: { code: number; message?: string };
  resource: Record<string, unknown>;
}

export function attr(span: { attributes: { key: string; value: OtlpValue }[] }, key: string): unknown {
  const v = span.attributes.find((a) => a.key === key)?.value;
  return v === undefined ? undefined : plain(v);
}

function plain(v: OtlpValue): unknown {
  if (v.arrayValue) return v.arrayValue.values.map(plain);
  return v.stringValue ?? v.intValue ?? v.boolValue ?? v.doubleValue;
}

/**
 * A loopback HTTP server standing in for the Seam collector's OTLP/HTTP receiver: it records
 * every POST (decompressing gzip) and answers whatever the test scripts.
 */
export async function startOtlpSink(respond: (attempt: number) => { status: number; headers?: Record<string, string>; hangMs?: number } = () => ({ status: 200 })) {
  const requests: { headers: IncomingHttpHeaders; body: unknown; status: number; at: number }[] = [];
  let attempt = 0;
  const server = await startServer(async (req, raw, res) => {
    const reply = respond(attempt++);
    const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
    requests.push({ headers: req.headers, body: JSON.parse(text), status: reply.status, at: Date.now() });
    if (reply.hangMs) await new Promise((r) => setTimeout(r, reply.hangMs));
    res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers }).end(reply.status === 200 ? '{}' : '{"error":"scripted"}');
  });
  const accepted = () =>
    requests.filter((r) => r.status === 200).flatMap((r) => {
      const body = r.body as { resourceSpans: { resource: { attributes: { key: string; value: OtlpValue }[] }; scopeSpans: { spans: OtlpSpan[] }[] }[] };
      return body.resourceSpans.flatMap((rs) =>
        rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => ({ ...s, resource: Object.fromEntries(rs.resource.attributes.map((a) => [a.key, plain(a.value)])) }))),
      );
    });
  return {
    ...server,
    requests,
    spans: accepted,
    async waitFor(predicate: (spans: OtlpSpan[]) => boolean, timeoutMs = 5000): Promise<OtlpSpan[]> {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (predicate(accepted())) return accepted();
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`spans did not arrive in ${timeoutMs} ms; got ${accepted().length} spans in ${requests.length} requests`);
    },
  };
}

/** A loopback origin standing in for the mesh ingress: records what the Worker forwards. */
export async function startOrigin() {
  const seen: { method: string; url: string; headers: IncomingHttpHeaders }[] = [];
  const server = await startServer((req, _body, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ origin: true, path: req.url }));
  });
  return { ...server, seen };
}

/** A loopback identity provider's JWKS endpoint; `close()` makes it unreachable (connection refused). */
export async function startJwksServer(jwks: unknown) {
  let hits = 0;
  const server = await startServer((_req, _body, res) => {
    hits++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
  });
  return { ...server, jwksUrl: `${server.url}/.well-known/jwks.json`, hits: () => hits };
}
