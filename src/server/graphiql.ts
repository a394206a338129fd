import type { GraphiQLOptions, Plugin } from 'graphql-yoga';

/**
 * GraphiQL's self-contained page at exactly `endpoint` (GET, Accept: text/html), no credential
 * needed. Rendered once per gateway, on first use: the renderer is ~45 MB of memory once loaded,
 * and a render costs about a second of CPU, which no anonymous request should be able to ask for
 * again and again. (Yoga's own GraphiQL would also answer at `/graphql/`, `//graphql` and any URL
 * ending in `/graphql`.)
 */
export function useGraphiQLPage(endpoint: string, options: GraphiQLOptions): Plugin {
  let page: Promise<string> | undefined;
  const render = async () => {
    const { renderGraphiQL } = await import('@graphql-yoga/render-graphiql');
    return renderGraphiQL(options);
  };
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== 'GET' || url.pathname !== endpoint || !request.headers.get('accept')?.includes('text/html')) return;
      return (page ??= render()).then((html) => endResponse(new fetchAPI.Response(html, { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' } })));
    },
  };
}
