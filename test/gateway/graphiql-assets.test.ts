import { get, type IncomingHttpHeaders } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** node:http rather than fetch: fetch would undo the content encoding this test is about. */
function getRaw(url: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks) }),
      );
    }).on('error', reject);
  });
}

describe('GraphiQL page and files over HTTP', () => {
  let stack: Stack;
  let page: string;
  let assetPaths: string[];
  beforeAll(async () => {
    stack = await startStack({ graphiqlToken: true });
    const response = await getRaw(`${stack.server.url}/graphql`, { accept: 'text/html' });
    expect(response.status).toBe(200);
    page = response.body.toString('utf8');
    assetPaths = [...new Set([...page.matchAll(/"(\/graphiql\/[^"]+)"/g)].map((m) => m[1]))];
  });
  afterAll(() => stack.close());

  it('the page is small, names its files by content hash, and carries the demo token', () => {
    expect(page.length).toBeLessThan(20_000);
    expect(assetPaths.map((path) => path.replace(/\.[\w-]{16}\./, '.<hash>.')).sort()).toEqual([
      '/graphiql/favicon.<hash>.svg',
      '/graphiql/graphiql.<hash>.css',
      '/graphiql/graphiql.<hash>.js',
    ]);
    expect(page).toContain(stack.authHeaders.authorization);
    expect(page).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)[\w.-]+\//);
  });

  it('each file: no credentials needed, immutable, an ETag that answers 304, brotli or gzip with the same bytes', {
    timeout: 120_000,
  }, async () => {
    for (const path of assetPaths) {
      const url = `${stack.server.url}${path}`;
      const plain = await getRaw(url);
      expect(plain.status, path).toBe(200);
      expect(plain.headers['cache-control'], path).toBe('public, max-age=31536000, immutable');
      expect(plain.headers['content-encoding'], path).toBeUndefined();
      expect(plain.headers.etag, path).toMatch(/^"[\w-]{16}"$/);
      expect(Number(plain.headers['content-length']), path).toBe(plain.body.length);

      // Compressed when the bundle was built: the first request already gets brotli.
      const br = await getRaw(url, { 'accept-encoding': 'gzip, deflate, br' });
      expect(br.headers['content-encoding'], path).toBe('br');
      expect(brotliDecompressSync(br.body).equals(plain.body), path).toBe(true);
      const gzip = await getRaw(url, { 'accept-encoding': 'gzip, br;q=0' });
      expect(gzip.headers['content-encoding'], path).toBe('gzip');
      expect(gunzipSync(gzip.body).equals(plain.body), path).toBe(true);

      const revalidated = await getRaw(url, { 'if-none-match': plain.headers.etag! });
      expect(revalidated.status, path).toBe(304);
      expect(revalidated.body.length, path).toBe(0);
    }
    const app = await getRaw(`${stack.server.url}${assetPaths.find((p) => /graphiql\.[\w-]+\.js$/.test(p))}`, {
      'accept-encoding': 'br',
    });
    expect(app.body.length).toBeLessThan(500_000);
  });

  it('the style sheet carries no inline fonts: each face it names is a file beside it, served like the others', async () => {
    const stylePath = assetPaths.find((p) => p.endsWith('.css'))!;
    const css = (await getRaw(`${stack.server.url}${stylePath}`)).body.toString('utf8');
    expect(css.length).toBeLessThan(100_000);
    expect(css).not.toContain('data:font');
    const fonts = [...new Set([...css.matchAll(/url\(\.\/(font\.[\w-]{16}\.woff2?)\)/g)].map((m) => m[1]))];
    expect(fonts.length).toBeGreaterThan(10);
    for (const font of fonts) {
      // Resolved as the browser does, relative to the sheet.
      const url = new URL(`./${font}`, `${stack.server.url}${stylePath}`);
      const response = await getRaw(url.href);
      expect(response.status, font).toBe(200);
      expect(response.headers['content-type'], font).toMatch(/^font\/woff2?$/);
      expect(response.headers['cache-control'], font).toBe('public, max-age=31536000, immutable');
      expect(response.body.subarray(0, 4).toString('latin1'), font).toMatch(/^wOF[F2]$/);
    }
  });

  it('an unknown file is a 404', async () => {
    expect((await getRaw(`${stack.server.url}/graphiql/graphiql.0000000000000000.js`)).status).toBe(404);
  });
});
