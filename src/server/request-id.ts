import { randomUUID } from 'node:crypto';
import type { Plugin } from 'graphql-yoga';

const HEADER = 'x-request-id';
const ids = new WeakMap<Request, string>();

/** The caller's request id when it looks like one, else a fresh one; echoed on the response. */
export function requestIdOf(request: Request): string {
  let id = ids.get(request);
  if (!id) {
    const given = request.headers.get(HEADER);
    id = given && /^[A-Za-z0-9._:-]{1,128}$/.test(given) ? given : randomUUID();
    ids.set(request, id);
  }
  return id;
}

export function useRequestId(): Plugin {
  return {
    onResponse({ request, response }) {
      response.headers.set(HEADER, requestIdOf(request));
    },
  };
}
