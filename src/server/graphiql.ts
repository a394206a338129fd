import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import type { GraphiQLOptions, Plugin } from 'graphql-yoga';

/**
 * GraphiQL as a small HTML page plus separate, content-addressed files: the app, its CSS, the three
 * Monaco editor workers and the favicon, all taken from @graphql-yoga/render-graphiql's offline
 * bundle (no CDN). The browser caches each file for good (`immutable`, named by its hash), parses
 * the app as a real script instead of a 9 MB inline one, and gets it brotli- or gzip-compressed.
 */

export const GRAPHIQL_ASSET_PREFIX = '/graphiql/';

interface Asset {
  path: string;
  type: string;
  body: Bytes;
  etag: string;
  /** Compressed once, in the background, from the first time GraphiQL is served; until then sent as is. */
  encoded: { br: Bytes; gzip: Bytes } | null;
}

/** What a fetch Response takes as a body (a Buffer may sit on a shared, resizable pool). */
type Bytes = Uint8Array<ArrayBuffer>;
const bytes = (buffer: Buffer): Bytes => new Uint8Array(buffer);

type AssetName = 'app' | 'style' | 'editorWorker' | 'jsonWorker' | 'graphqlWorker' | 'favicon';
type Assets = Record<AssetName, Asset>;

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

function asset(name: string, extension: string, type: string, body: Buffer): Asset {
  const hash = createHash('sha256').update(body).digest('base64url').slice(0, 16);
  const result: Asset = { path: `${GRAPHIQL_ASSET_PREFIX}${name}.${hash}.${extension}`, type, body: bytes(body), etag: `"${hash}"`, encoded: null };
  void Promise.all([
    // Quality 6: within 3% of the best size at a fiftieth of quality 11's time (~0.3 s for the app).
    brotli(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 6, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } }),
    gzipAsync(body, { level: 6 }),
  ]).then(
    ([br, gz]) => void (result.encoded = { br: bytes(br), gzip: bytes(gz) }),
    () => undefined,
  );
  return result;
}

let loading: Promise<Assets> | null = null;

/** The bundle is ~9 MB of strings: only a process that serves GraphiQL loads it. */
function graphiqlAssets(): Promise<Assets> {
  loading ??= import('@graphql-yoga/render-graphiql/graphiql').then((bundle) => {
    const favicon = /^data:[^;]+;base64,(.*)$/.exec(bundle.favicon)?.[1] ?? '';
    const script = 'text/javascript; charset=utf-8';
    return {
      app: asset('graphiql', 'js', script, Buffer.from(bundle.js)),
      style: asset('graphiql', 'css', 'text/css; charset=utf-8', Buffer.from(bundle.css)),
      editorWorker: asset('editor.worker', 'js', script, Buffer.from(bundle.editorWorkerService)),
      jsonWorker: asset('json.worker', 'js', script, Buffer.from(bundle.jsonWorker)),
      graphqlWorker: asset('graphql.worker', 'js', script, Buffer.from(bundle.graphqlWorker)),
      favicon: asset('favicon', 'ico', 'image/x-icon', Buffer.from(favicon, 'base64')),
    };
  });
  return loading;
}

/** JSON that is safe inside a <script> element. */
const scriptJson = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

const escapeHtml = (text: string): string => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** The page browsers get at the GraphQL endpoint: a few kilobytes that name the files. */
export async function renderGraphiQLPage(options: GraphiQLOptions): Promise<string> {
  const assets = await graphiqlAssets();
  const workers = { editorWorkerService: assets.editorWorker.path, json: assets.jsonWorker.path, graphql: assets.graphqlWorker.path };
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${escapeHtml(options.title ?? 'GraphiQL')}</title>
    <link rel="icon" href="${assets.favicon.path}" />
    <link rel="stylesheet" href="${assets.style.path}" />
    <style>
      /* framer-motion leaves each example tab with a stale drag offset from mount. GraphiQL hides it
         except while a tab has focus, so pressing a tab moved it from under the pointer and the
         first click landed on the tab bar. Hidden always: dragging still reorders tabs. */
      .graphiql-tab { transform: none !important; }
    </style>
    <script src="${assets.app.path}" defer></script>
  </head>
  <body class="no-focus-outline">
    <noscript>You need to enable JavaScript to run GraphiQL.</noscript>
    <div id="root"></div>
    <script>
      const workers = ${scriptJson(workers)};
      self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: (moduleId, label) => workers[label] };
      addEventListener('DOMContentLoaded', () => {
        // GraphiQL reopens the stored tab whose query, variables and headers equal its initial ones,
        // and opens a new tab when none does: without these, every reload added an empty tab.
        let stored = null;
        try { stored = JSON.parse(localStorage.getItem('graphiql:tabState')); } catch {}
        const active = stored?.tabs?.[stored.activeTabIndex];
        YogaGraphiQL.renderYogaGraphiQL(document.getElementById('root'), {
          ...${scriptJson(options)},
          initialQuery: active?.query ?? undefined,
          initialVariables: active?.variables ?? undefined,
          initialHeaders: active?.headers ?? undefined,
          // Yoga's wrapper copies every edit into the address bar; the tabs live in localStorage anyway.
          onEditQuery: () => {},
        });
      });
    </script>
  </body>
</html>
`;
}

function preferredEncoding(acceptEncoding: string | null): 'br' | 'gzip' | null {
  const accepted = new Set(
    (acceptEncoding ?? '')
      .split(',')
      .map((part) => part.trim().split(';'))
      .filter(([, ...params]) => !params.some((p) => /^\s*q\s*=\s*0(\.0*)?\s*$/.test(p)))
      .map(([coding]) => coding.trim().toLowerCase()),
  );
  return accepted.has('br') ? 'br' : accepted.has('gzip') ? 'gzip' : null;
}

/** Serves the files the page names, under GRAPHIQL_ASSET_PREFIX, before any authentication. */
export function useGraphiQLAssets(): Plugin {
  return {
    async onRequest({ url, request, endResponse, fetchAPI }) {
      if (!url.pathname.startsWith(GRAPHIQL_ASSET_PREFIX) || (request.method !== 'GET' && request.method !== 'HEAD')) return;
      const assets = await graphiqlAssets();
      const found = Object.values(assets).find((a) => a.path === url.pathname);
      if (!found) {
        endResponse(new fetchAPI.Response('not found', { status: 404, headers: { 'content-type': 'text/plain', 'cache-control': 'no-store' } }));
        return;
      }
      const headers: Record<string, string> = {
        'content-type': found.type,
        etag: found.etag,
        // The name changes with the content, so a copy never needs revalidating.
        'cache-control': 'public, max-age=31536000, immutable',
        vary: 'accept-encoding',
      };
      if (request.headers.get('if-none-match')?.split(',').some((tag) => tag.trim().replace(/^W\//, '') === found.etag)) {
        endResponse(new fetchAPI.Response(null, { status: 304, headers }));
        return;
      }
      // The first visitor does not wait for the compression: the bytes go as they are meanwhile.
      const encoding = found.encoded && preferredEncoding(request.headers.get('accept-encoding'));
      const body = encoding ? found.encoded![encoding] : found.body;
      if (encoding) headers['content-encoding'] = encoding;
      headers['content-length'] = String(body.length);
      endResponse(new fetchAPI.Response(request.method === 'HEAD' ? null : body, { status: 200, headers }));
    },
  };
}

/**
 * GraphiQL's page at exactly `endpoint` (GET, Accept: text/html), no credential needed. Rendered
 * once per gateway, on first use (loading the bundle and hashing its files takes a moment), and
 * never again for any anonymous request. (Yoga's own GraphiQL would also answer at `/graphql/`,
 * `//graphql` and any URL ending in `/graphql`.)
 */
export function useGraphiQLPage(endpoint: string, options: GraphiQLOptions): Plugin {
  let page: Promise<string> | undefined;
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== 'GET' || url.pathname !== endpoint || !request.headers.get('accept')?.includes('text/html')) return;
      return (page ??= renderGraphiQLPage(options)).then((html) =>
        // no-store: the demo's page carries its token.
        endResponse(new fetchAPI.Response(html, { status: 200, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' } })),
      );
    },
  };
}
