import type { GraphiQLOptions, Plugin } from 'graphql-yoga';
import type { BuiltFile } from './graphiql/build.js';

/**
 * GraphiQL as a small HTML page plus separate, content-addressed files: our own GraphiQL bundle (one
 * script, one style sheet, see ./graphiql/build.ts) and a favicon, all offline (no CDN). The browser
 * caches each file for good (`immutable`, named by its hash) and gets it brotli- or gzip-compressed,
 * compressed once when the bundle was built.
 */

export const GRAPHIQL_ASSET_PREFIX = '/graphiql/';

interface Asset {
  path: string;
  type: string;
  body: Bytes;
  etag: string;
  encoded: { br: Bytes; gzip: Bytes };
}

/** What a fetch Response takes as a body (a Buffer may sit on a shared, resizable pool). */
type Bytes = Uint8Array<ArrayBuffer>;
const bytes = (buffer: Buffer): Bytes => new Uint8Array(buffer);

interface Assets {
  script: Asset;
  style: Asset;
  favicon: Asset;
  /** Every file by its path: the three above and the fonts the style sheet names. */
  byPath: Map<string, Asset>;
}

const asset = (file: BuiltFile): Asset => ({
  path: `${GRAPHIQL_ASSET_PREFIX}${file.name}`,
  type: file.type,
  body: bytes(file.body),
  etag: `"${file.hash}"`,
  encoded: { br: bytes(file.br), gzip: bytes(file.gzip) },
});

let loading: Promise<Assets> | null = null;

/** Loaded (or, when the cache is stale, built) on first use: only a process that serves GraphiQL holds it. */
function graphiqlAssets(): Promise<Assets> {
  loading ??= import('./graphiql/build.js')
    .then(({ graphiqlBuild }) => graphiqlBuild())
    .then((built) => {
      const [script, style, favicon, ...fonts] = [built.script, built.style, built.favicon, ...built.fonts].map(asset);
      return { script, style, favicon, byPath: new Map([script, style, favicon, ...fonts].map((a) => [a.path, a])) };
    });
  // A failed build is reported to this request and tried again by the next.
  loading.catch(() => (loading = null));
  return loading;
}

/** JSON that is safe inside a <script> element. */
const scriptJson = (value: unknown): string =>
  JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');

const escapeHtml = (text: string): string => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** The page browsers get at the GraphQL endpoint: a few kilobytes that name the files. */
async function renderGraphiQLPage(endpoint: string, options: GraphiQLOptions): Promise<string> {
  const assets = await graphiqlAssets();
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${escapeHtml(options.title ?? 'GraphiQL')}</title>
    <link rel="icon" href="${assets.favicon.path}" type="image/svg+xml" />
    <link rel="stylesheet" href="${assets.style.path}" />
    <style>
      html, body, #root { height: 100%; margin: 0; }
      /* framer-motion leaves each example tab with a stale drag offset from mount. GraphiQL hides it
         except while a tab has focus, so pressing a tab moved it from under the pointer and the
         first click landed on the tab bar. Hidden always: dragging still reorders tabs. */
      .graphiql-tab { transform: none !important; }
    </style>
    <script src="${assets.script.path}" defer></script>
  </head>
  <body class="graphiql-light no-focus-outline">
    <noscript>You need to enable JavaScript to run GraphiQL.</noscript>
    <div id="root"></div>
    <script type="application/json" id="graphiql-options">${scriptJson({ ...options, title: options.title ?? 'GraphiQL', endpoint })}</script>
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
      if (!url.pathname.startsWith(GRAPHIQL_ASSET_PREFIX) || (request.method !== 'GET' && request.method !== 'HEAD'))
        return;
      const assets = await graphiqlAssets();
      const found = assets.byPath.get(url.pathname);
      if (!found) {
        endResponse(
          new fetchAPI.Response('not found', {
            status: 404,
            headers: { 'content-type': 'text/plain', 'cache-control': 'no-store' },
          }),
        );
        return;
      }
      const headers: Record<string, string> = {
        'content-type': found.type,
        etag: found.etag,
        // The name changes with the content, so a copy never needs revalidating.
        'cache-control': 'public, max-age=31536000, immutable',
        vary: 'accept-encoding',
      };
      if (
        request.headers
          .get('if-none-match')
          ?.split(',')
          .some((tag) => tag.trim().replace(/^W\//, '') === found.etag)
      ) {
        endResponse(new fetchAPI.Response(null, { status: 304, headers }));
        return;
      }
      const encoding = preferredEncoding(request.headers.get('accept-encoding'));
      const body = encoding ? found.encoded[encoding] : found.body;
      if (encoding) headers['content-encoding'] = encoding;
      headers['content-length'] = String(body.length);
      endResponse(new fetchAPI.Response(request.method === 'HEAD' ? null : body, { status: 200, headers }));
    },
  };
}

/**
 * GraphiQL's page at exactly `endpoint` (GET, Accept: text/html), no credential needed. Rendered
 * once per gateway, on first use (loading the built files, or building them, takes a moment), and
 * never again for any anonymous request. (Yoga's own GraphiQL would also answer at `/graphql/`,
 * `//graphql` and any URL ending in `/graphql`.)
 */
export function useGraphiQLPage(endpoint: string, options: GraphiQLOptions): Plugin {
  let page: Promise<string> | undefined;
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (
        request.method !== 'GET' ||
        url.pathname !== endpoint ||
        !request.headers.get('accept')?.includes('text/html')
      )
        return;
      page ??= renderGraphiQLPage(endpoint, options).catch((error: unknown) => {
        page = undefined;
        throw error;
      });
      return page.then((html) =>
        // no-store: the demo's page carries its token.
        endResponse(
          new fetchAPI.Response(html, {
            status: 200,
            headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
          }),
        ),
      );
    },
  };
}
