import fc from 'fast-check';
import { type GraphQLFieldResolver, GraphQLObjectType, type GraphQLResolveInfo } from 'graphql';
import { describe, expect, it } from 'vitest';
import { PROVIDER_CATALOG } from '../../src/providers/index.js';
import { decodeGlobalId, encodeGlobalId } from '../../src/schema/builder.js';
import { buildSchema } from '../../src/schema/index.js';
import { secretGlobalId, secretKey } from '../../src/schema/secret-node.js';
import type { SecretRecord } from '../../src/domain/records.js';

const { schema } = buildSchema(PROVIDER_CATALOG);
const SECRET_TYPES = ['SaeSecret', 'ApigSecret', 'KmsSecret', 'CsmsSecret', 'AwsSecret'];

function field(typename: string, name: string) {
  const type = schema.getType(typename);
  if (!(type instanceof GraphQLObjectType)) throw new Error(`${typename} is not an object type`);
  return type.getFields()[name];
}

const call = (resolve: GraphQLFieldResolver<unknown, unknown> | undefined, parent: unknown) =>
  resolve!(parent, {}, {}, {} as GraphQLResolveInfo);

/**
 * The served schema's resolvers, as graphql-jit compiles them: what a page of secrets pays per
 * field of each secret (BENCHMARKS.md, sixth session).
 */
describe('per-secret resolvers', () => {
  it("every node's id is resolved synchronously, to the global ID of the node's own id", () => {
    const nodes: Record<string, unknown> = {
      Namespace: { source: { id: 'sae-prod' }, id: 'cn-hangzhou:demo' },
      RelatedApp: { sourceId: 'sae-prod', namespaceId: 'cn-hangzhou:demo', appId: 'app-1' },
    };
    for (const typename of SECRET_TYPES)
      nodes[typename] = { sourceId: 'src', namespaceId: 'ns é', key: 'name/with "quotes"' };
    for (const [typename, node] of Object.entries(nodes)) {
      const id = call(field(typename, 'id').resolve, node);
      expect(typeof id, typename).toBe('string');
      const decoded = decodeGlobalId(id as string);
      expect(decoded.typename).toBe(typename);
      expect(JSON.parse(decoded.id)).toEqual(
        typename === 'Namespace'
          ? ['sae-prod', 'cn-hangzhou:demo']
          : typename === 'RelatedApp'
            ? ['sae-prod', 'cn-hangzhou:demo', 'app-1']
            : ['src', 'ns é', 'name/with "quotes"'],
      );
    }
  });

  it('fields that only read their own property are left to the default resolver (read inline)', () => {
    for (const typename of SECRET_TYPES)
      for (const name of ['createdAt', 'updatedAt', 'provider', 'name', 'sourceId'])
        expect(field(typename, name).resolve, `${typename}.${name}`).toBeUndefined();
    expect(field('SecretConnection', 'edges').resolve).toBeUndefined();
    expect(field('SecretConnection', 'pageInfo').resolve).toBeUndefined();
    expect(field('SecretEdge', 'node').resolve).toBeUndefined();
  });

  it('fields that do more than read a property keep their resolvers', () => {
    for (const typename of SECRET_TYPES) {
      expect(field(typename, 'type').resolve, `${typename}.type`).toBeTypeOf('function');
      expect(field(typename, 'namespace').resolve, `${typename}.namespace`).toBeTypeOf('function');
    }
    expect(field('SaeSecret', 'relatedApps').resolve).toBeTypeOf('function');
    expect(field('SecretConnection', 'totalCount').resolve).toBeTypeOf('function');
  });

  it('a type the list carried is answered without a promise', () => {
    expect(call(field('KmsSecret', 'type').resolve, { provider: 'alibaba-kms', type: 'Generic' })).toBe('Generic');
  });

  it("a secret's ID, its namespace's start encoded once, is the ID encoded whole (seeded property)", () => {
    const text = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }));
    fc.assert(
      fc.property(fc.constantFrom(...SECRET_TYPES), text, text, text, (typename, sourceId, namespaceId, key) => {
        const record = { sourceId, namespaceId, key } as SecretRecord;
        // Twice: the first meets an empty memo, the second the namespace's kept start.
        for (let i = 0; i < 2; i++)
          expect(secretGlobalId(typename, record)).toBe(encodeGlobalId(typename, secretKey(record)));
      }),
      { seed: 20261207, numRuns: 5_000 },
    );
  });
});
