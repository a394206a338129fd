import { request } from 'node:http';

export interface RawRequest {
  method?: string;
  /** Sent as is: `//graphql`, `/graphql/`, `/x?y=/graphql` ... */
  path: string;
  /** Header lines in order; a name given twice is sent twice. */
  headers?: Array<[string, string]>;
  body?: string | Buffer;
  /** `Transfer-Encoding: chunked` instead of a Content-Length, the body in pieces of this size. */
  chunkSize?: number;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: {
    data?: any;
    errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, any> }>;
  } | null;
}

/**
 * One HTTP/1.1 request over its own connection, exactly as described: what `fetch` would
 * normalise (duplicate headers, odd paths, chunked bodies) goes on the wire unchanged. The
 * response counts even when the server stops reading the body early and closes.
 */
export function rawRequest(baseUrl: string, spec: RawRequest): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  const grouped: Record<string, string[]> = {};
  // Node's client folds header names case-insensitively: one name, one line per value.
  for (const [name, value] of spec.headers ?? []) (grouped[name.toLowerCase()] ??= []).push(value);
  const body = typeof spec.body === 'string' ? Buffer.from(spec.body) : spec.body;
  if (body && !spec.chunkSize && !grouped['content-length']) grouped['content-length'] = [String(body.length)];
  return new Promise((resolve, reject) => {
    let settled = false;
    const req = request(
      {
        host: hostname,
        port: Number(port),
        method: spec.method ?? 'POST',
        path: spec.path,
        // A single value as a string: Node takes `host` only so.
        headers: Object.fromEntries(
          Object.entries(grouped).map(([name, values]) => [name, values.length === 1 ? values[0] : values]),
        ),
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', () => finish());
        res.on('end', () => finish());
        function finish() {
          if (settled) return;
          settled = true;
          // Stop sending what is left of a body the server answered without reading.
          req.destroy();
          const text = Buffer.concat(chunks).toString('utf8');
          let json: RawResponse['json'] = null;
          try {
            json = JSON.parse(text) as RawResponse['json'];
          } catch {
            json = null;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        }
      },
    );
    // The server may answer and close before the whole body is sent (a refused upload).
    req.on('error', (error) => {
      if (!settled) setTimeout(() => !settled && ((settled = true), reject(error)), 100);
    });
    if (body && spec.chunkSize) {
      for (let at = 0; at < body.length; at += spec.chunkSize)
        if (!req.destroyed) req.write(body.subarray(at, at + spec.chunkSize));
    } else if (body) {
      req.write(body);
    }
    req.end();
  });
}
