import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Reading a request into GraphQL parameters. The body is counted while it streams (yoga's own
 * counter, `maxRequestBodySize` in app.ts) and refused with our code once it passes the limit,
 * whatever its transfer encoding; a Content-Length over the limit is refused before anything is
 * read. What the parameters must be is useRequestParams' concern.
 */
export function useRequestBody(maxBytes: number): Plugin {
  const tooLarge = (found?: number) =>
    new GraphQLError(
      found === undefined
        ? `the request body is over ${maxBytes} bytes`
        : `the request body is ${found} bytes; at most ${maxBytes} are accepted`,
      {
        extensions: { code: 'QUERY_LIMIT_EXCEEDED', reason: 'MAX_BODY_BYTES', limit: maxBytes, http: { status: 413 } },
      },
    );
  return {
    onRequestParse({ request, requestParser, setRequestParser }) {
      const length = Number(request.headers.get('content-length') ?? 0);
      if (length > maxBytes) throw tooLarge(length);
      if (!requestParser) return;
      setRequestParser(async (req) => {
        try {
          return await requestParser(req);
        } catch (error) {
          throw error instanceof GraphQLError && error.extensions.code === 'REQUEST_ENTITY_TOO_LARGE'
            ? tooLarge()
            : error;
        }
      });
    },
  };
}
