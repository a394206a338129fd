import type { Plugin } from 'graphql-yoga';

/**
 * The one decision about paths: GraphQL is served on exactly `graphqlEndpoint`, the operator
 * endpoints on exactly theirs, and everything else is 404. Yoga alone would also serve GraphQL
 * on `/graphql/`, `//graphql` or any URL ending in `/graphql`, around the limits set on the path.
 */
export function useServedPaths(graphqlEndpoint: string, operatorEndpoints: string[]): Plugin {
  const served = new Set([graphqlEndpoint, ...operatorEndpoints]);
  return {
    onRequest({ url, endResponse, fetchAPI }) {
      if (served.has(url.pathname)) return;
      const body = {
        errors: [
          {
            message: `nothing is served at this path; GraphQL is at ${graphqlEndpoint}`,
            extensions: { code: 'NOT_FOUND' },
          },
        ],
      };
      endResponse(
        new fetchAPI.Response(JSON.stringify(body), {
          status: 404,
          headers: { 'content-type': 'application/json; charset=utf-8' },
        }),
      );
    },
  };
}
