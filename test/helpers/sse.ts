import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type GraphQLFormattedError } from 'graphql';

/** One `next` event of a GraphQL-over-SSE stream (distinct connections mode). */
export interface StreamResult<T> {
  data?: T | null;
  errors?: GraphQLFormattedError[];
}

export interface EventStream<T> {
  status: number;
  contentType: string | null;
  /** The next `next` event, or null once the server sent `complete` (or closed). */
  next(timeoutMs?: number): Promise<StreamResult<T> | null>;
  /** Events received and not yet taken by `next`. */
  pending(): number;
  close(): void;
}

/**
 * A subscription over real HTTP as an SSE client sends it: `Accept: text/event-stream`, the
 * operation as a JSON POST (or as query parameters with `method: 'GET'`); the `data:` line of each
 * `event: next` is one execution result.
 */
export async function openEventStream<T, V>(
  url: string,
  document: TypedDocumentNode<T, V> | string,
  variables: V | undefined,
  headers: Record<string, string>,
  method: 'POST' | 'GET' = 'POST',
): Promise<EventStream<T>> {
  const query = typeof document === 'string' ? document : print(document);
  const controller = new AbortController();
  const target = new URL(url);
  if (method === 'GET') {
    target.searchParams.set('query', query);
    if (variables) target.searchParams.set('variables', JSON.stringify(variables));
  }
  const response = await fetch(target, {
    method,
    headers: {
      accept: 'text/event-stream',
      ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: method === 'POST' ? JSON.stringify({ query, variables }) : undefined,
    signal: controller.signal,
  });
  const events: Array<StreamResult<T> | null> = [];
  const waiters: Array<() => void> = [];
  const notify = () => {
    for (const wake of waiters.splice(0)) wake();
  };
  let finished = false;
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
          const lines = block.split('\n');
          const event = lines
            .find((l) => l.startsWith('event:'))
            ?.slice(6)
            .trim();
          const data = lines
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trimStart())
            .join('\n');
          if (event === 'next') events.push(JSON.parse(data) as StreamResult<T>);
          else if (event === 'complete') events.push(null);
          // Anything else (":" pings) keeps the connection open and says nothing.
          notify();
        }
      }
    } catch {
      // Aborted by close().
    } finally {
      finished = true;
      notify();
    }
  })();
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    pending: () => events.length,
    async next(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (events.length === 0) {
        if (finished) return null;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no event within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return events.shift()!;
    },
    close: () => controller.abort(),
  };
}
