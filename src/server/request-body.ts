import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Reading a request into GraphQL parameters, at most `maxBytes` of it. A declared Content-Length is
 * checked before anything is read, and is all that needs checking: Node's HTTP parser ends a body
 * at its Content-Length, so no more than that is ever read. A body without one (chunked) is counted
 * while it streams and refused once it passes the limit. Yoga's own counter (`maxRequestBodySize`,
 * off in app.ts) pipes every body through a stream, which cost about 4% of the gateway's CPU per
 * request (BENCHMARKS.md). What the parameters must be is useRequestParams' concern.
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
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      const declared = request.headers.get('content-length');
      if (declared !== null) {
        if (!/^\d+$/.test(declared))
          throw new GraphQLError('the Content-Length header is not a single length', {
            extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
          });
        if (Number(declared) > maxBytes) throw tooLarge(Number(declared));
        return;
      }
      if (!requestParser) return;
      setRequestParser((req) => requestParser(counted(req, maxBytes, tooLarge, fetchAPI)));
    },
  };
}

/**
 * The request with a body that errors once more than `maxBytes` of it have arrived: yoga's own
 * counter does this for every body and is not exported on its own, so this is its chunked-only twin.
 */
function counted(
  request: Request,
  maxBytes: number,
  tooLarge: () => GraphQLError,
  fetchAPI: { Request: typeof Request; TransformStream: typeof TransformStream },
): Request {
  if (!request.body) return request;
  let read = 0;
  // Node's own streams for Node's own body: the ponyfill's TransformStream cannot take it (yoga #4583).
  const Transform = request.body instanceof ReadableStream ? globalThis.TransformStream : fetchAPI.TransformStream;
  const body = request.body.pipeThrough(
    new Transform<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        read += chunk.byteLength;
        if (read > maxBytes) controller.error(tooLarge());
        else controller.enqueue(chunk);
      },
    }),
  );
  return new fetchAPI.Request(request.url, {
    method: request.method,
    headers: request.headers,
    signal: request.signal,
    body,
    // @ts-expect-error: a streamed request body needs it, and the DOM types do not know it.
    duplex: 'half',
  });
}
