import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** What yoga's result processors can write (its regular, SSE and multipart processors). */
const SERVED_MEDIA_TYPES = [
  'application/graphql-response+json',
  'application/json',
  'text/event-stream',
  'multipart/mixed',
];

/** Whether an Accept header (absent: anything) admits one of the given media types, in UTF-8. */
function admits(accept: string | null, mediaTypes: readonly string[]): boolean {
  if (!accept?.trim()) return true;
  return accept
    .replace(/\s/g, '')
    .toLowerCase()
    .split(',')
    .some((range) => {
      const [mediaType = '', ...params] = range.split(';');
      const charset = params.find((param) => param.startsWith('charset='));
      if (charset && charset !== 'charset=utf-8') return false;
      const [type, subtype] = mediaType.split('/');
      return mediaTypes.some((served) => {
        const [servedType, servedSubtype] = served.split('/');
        return (type === '*' || type === servedType) && (subtype === '*' || subtype === servedSubtype);
      });
    });
}

/** Whether an Accept header (absent: anything) admits one of the served media types, in UTF-8. */
export const acceptsServedMediaType = (accept: string | null): boolean => admits(accept, SERVED_MEDIA_TYPES);

/** Whether a subscription's events can be written: yoga streams them as server-sent events only. */
export const acceptsEventStream = (accept: string | null): boolean => admits(accept, ['text/event-stream']);

/**
 * A request whose Accept admits no response we can write is refused before it is parsed: yoga
 * would execute it first and answer 406 afterwards, with the upstream calls already made.
 */
export function useAcceptableResponse(): Plugin {
  return {
    onRequestParse({ request }) {
      if (acceptsServedMediaType(request.headers.get('accept'))) return;
      throw new GraphQLError(
        `the Accept header admits no response this gateway writes: ${SERVED_MEDIA_TYPES.join(', ')}`,
        {
          extensions: { code: 'BAD_REQUEST', reason: 'NOT_ACCEPTABLE', http: { status: 406 } },
        },
      );
    },
  };
}
