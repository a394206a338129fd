import { GraphQLError, Kind, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { acceptsEventStream } from './acceptable-response.js';

/** Why a document cannot run here; `null` when it names exactly one query. */
export type OperationRefusal =
  | 'OPERATION_NOT_SUPPORTED'
  | 'OPERATION_NOT_FOUND'
  | 'OPERATION_NAME_REQUIRED'
  | 'NO_OPERATION';

function refusal(
  reason: OperationRefusal,
  message: string,
  status: number,
  extra: Record<string, unknown> = {},
): GraphQLError {
  const headers = status === 405 ? { allow: 'POST' } : undefined;
  return new GraphQLError(message, {
    extensions: { code: 'BAD_REQUEST', reason, ...extra, http: { status, ...(headers && { headers }) } },
  });
}

/** The operation a request runs, or the reason it has none (GraphQL spec "GetOperation"). */
function operationOf(
  document: DocumentNode,
  operationName: string | undefined | null,
): OperationDefinitionNode | GraphQLError {
  const operations = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  if (operationName) {
    const named = operations.find((o) => o.name?.value === operationName);
    return named ?? refusal('OPERATION_NOT_FOUND', 'the document has no operation of the given operationName', 400);
  }
  if (operations.length === 0) return refusal('NO_OPERATION', 'the document has no operation to run', 400);
  if (operations.length > 1)
    return refusal(
      'OPERATION_NAME_REQUIRED',
      'the document has several operations: send operationName to choose one',
      400,
    );
  return operations[0];
}

/**
 * The gateway only reads: a request runs exactly one query, or one subscription asked for as an
 * event stream (GraphQL over SSE: `Accept: text/event-stream`, POST or GET); anything else is refused
 * after parsing, before it is validated, authorized or executed. A mutation over GET is 405 (GraphQL
 * over HTTP), a subscription whose Accept admits no event stream 406, every other refusal 400; each
 * is `BAD_REQUEST` with a `reason`.
 */
export function useReadOperationsOnly(): Plugin {
  return {
    onParse({ context }) {
      const { request, params } = context as { request?: Request; params?: { operationName?: string | null } };
      return ({ result }) => {
        if (!request || !result || result instanceof Error) return;
        const operation = operationOf(result as DocumentNode, params?.operationName);
        if (operation instanceof GraphQLError) throw operation;
        if (operation.operation === 'subscription') {
          if (acceptsEventStream(request.headers.get('accept'))) return;
          throw new GraphQLError('a subscription is answered as a stream of events: send "Accept: text/event-stream"', {
            extensions: { code: 'BAD_REQUEST', reason: 'NOT_ACCEPTABLE', http: { status: 406 } },
          });
        }
        if (operation.operation !== 'query') {
          const status = operation.operation === 'mutation' && request.method === 'GET' ? 405 : 400;
          throw refusal(
            'OPERATION_NOT_SUPPORTED',
            `this gateway only answers queries and subscriptions; a ${operation.operation} is not served`,
            status,
            { operationType: operation.operation },
          );
        }
      };
    },
  };
}
