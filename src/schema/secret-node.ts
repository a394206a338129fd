import { auditReveal } from '../auth/audit.js';
import type { GatewayContext } from '../context.js';
import type { FieldMap } from '@pothos/core';
import type { Provider, SecretRecord, SecretValue } from '../domain/records.js';
import type { ProviderPlugin } from '../sources/catalog.js';
import type { SecretSource } from '../sources/types.js';
import { UpstreamError } from '../upstream/errors.js';
import { builder, encodeGlobalId, idParts, NODE_TYPES, type Types } from './builder.js';
import { DETAIL_CALL } from './cost.js';
import { SecretRef } from './refs.js';

/**
 * What a provider's schema (src/providers/<name>/schema.ts) builds its secret type with. Each
 * provider's type registers itself here (`secretNode`) as the schema is built from the catalog.
 */

/** A provider as the schema takes it: the engine's plugin, and the types it declares on the builder. */
export interface SchemaProvider extends ProviderPlugin {
  /** Declares the provider's GraphQL types (its `Secret` implementation and value types) and returns its secret type. */
  defineSchema(): SecretObjectRef<SecretRecord>;
}

const typenames = new Map<Provider, string>();

/** The GraphQL type of a provider's secrets. */
export function typenameOf(provider: Provider): string {
  const typename = typenames.get(provider);
  if (typename === undefined) throw new Error(`no secret type for provider "${provider}" in the schema`);
  return typename;
}

/** Whether a global ID's type part names a secret type. */
export const isSecretTypename = (typename: string): boolean => [...typenames.values()].includes(typename);

export function secretKey(record: SecretRecord): string {
  return JSON.stringify([record.sourceId, record.namespaceId, record.key]);
}

/** A namespace's start of its secrets' IDs, `Typename:["source","namespace",`, as base64url of its whole 3-byte groups, and the rest. */
type IdPrefix = { encoded: string; rest: string } | null;
const idPrefixes = new Map<string, Map<string, Map<string, IdPrefix>>>();

function idPrefixOf(typename: string, sourceId: string, namespaceId: string): IdPrefix {
  let bySource = idPrefixes.get(typename);
  if (!bySource) idPrefixes.set(typename, (bySource = new Map()));
  let byNamespace = bySource.get(sourceId);
  if (!byNamespace) bySource.set(sourceId, (byNamespace = new Map()));
  let prefix = byNamespace.get(namespaceId);
  if (prefix === undefined) {
    const text = `${typename}:${JSON.stringify([sourceId, namespaceId]).slice(0, -1)},`;
    // Cut between characters only: an ASCII text, whose characters are bytes.
    const cut = text.length - (text.length % 3);
    prefix =
      Buffer.byteLength(text) === text.length
        ? { encoded: Buffer.from(text.slice(0, cut)).toString('base64url'), rest: text.slice(cut) }
        : null;
    byNamespace.set(namespaceId, prefix);
  }
  return prefix;
}

/**
 * `encodeGlobalId(typename, secretKey(record))`, with the part every secret of a namespace shares
 * encoded once: base64 encodes 3 bytes at a time, so the encoding of whole groups is a prefix of
 * the whole one. A page of 100 secrets makes 100 IDs.
 */
export function secretGlobalId(typename: string, record: SecretRecord): string {
  const prefix = idPrefixOf(typename, record.sourceId, record.namespaceId);
  if (prefix === null) return encodeGlobalId(typename, secretKey(record));
  return prefix.encoded + Buffer.from(`${prefix.rest}${JSON.stringify(record.key)}]`).toString('base64url');
}

export function sourceOf(ctx: GatewayContext, sourceId: string): SecretSource {
  const source = ctx.sources.get(sourceId);
  if (!source) throw new Error(`unknown source ${sourceId}`);
  return source;
}

/** Detail fields cost a detail call unless the list already carried them; the loader decides. */
export async function detailOf<T>(ctx: GatewayContext, record: SecretRecord): Promise<T | null> {
  return (await ctx.loaders.detail(sourceOf(ctx, record.sourceId), record)) as T | null;
}

const audited = new WeakMap<GatewayContext, Set<string>>();

/**
 * A secret's value, for fields behind the reveal scope (checked before this runs, so a caller
 * without it causes no call). One upstream read and one audit line per secret per request.
 */
export async function revealOf<T extends SecretValue>(ctx: GatewayContext, record: SecretRecord): Promise<T | null> {
  const id = encodeGlobalId(typenameOf(record.provider), secretKey(record));
  let seen = audited.get(ctx);
  if (!seen) audited.set(ctx, (seen = new Set()));
  const first = !seen.has(id);
  seen.add(id);
  try {
    const value = await ctx.values.load(sourceOf(ctx, record.sourceId), record);
    if (first) auditReveal(ctx, id, record, value ? 'revealed' : 'not-found');
    return value as T | null;
  } catch (error) {
    if (first) auditReveal(ctx, id, record, 'failed', error instanceof UpstreamError ? error.info.code : undefined);
    throw error;
  }
}

/** A field that reveals a value: the reveal scope, a detail call's cost, null when the value is gone. */
export const REVEAL = { authScopes: { reveal: true }, complexity: DETAIL_CALL, nullable: true } as const;

/**
 * The secret a global ID's parts name, through the per-request record loader; null when its source
 * is not one the caller may see or is of another type than the ID says.
 */
export async function secretOfId(ctx: GatewayContext, typename: string, parts: string): Promise<SecretRecord | null> {
  const [sourceId, namespaceId, key] = idParts(parts, 3);
  const source = ctx.sources.get(sourceId);
  if (!source || typenameOf(source.provider) !== typename) return null;
  return ctx.loaders.record(source, namespaceId, key);
}

/** The object type of one provider's secrets. */
export type SecretObjectRef<R extends SecretRecord> = ReturnType<typeof builder.objectRef<R>>;

/**
 * A provider's secret type: a node implementing `Secret`, found by its global ID, and an entity
 * (src/schema/entities.ts adds its keys). `fields` are its own, beyond the interface's.
 */
export function secretNode<R extends SecretRecord>(
  typename: string,
  provider: R['provider'],
  options: { description: string; fields: (t: PothosSchemaTypes.ObjectFieldBuilder<Types, R>) => FieldMap },
): SecretObjectRef<R> {
  const ref = builder.objectRef<R>(typename);
  NODE_TYPES.add(typename);
  typenames.set(provider, typename);
  builder.node(ref, {
    description: options.description,
    // R is some SecretRecord, which Pothos cannot see through a type parameter.
    interfaces: [SecretRef] as never,
    id: { resolve: secretKey },
    isTypeOf: (r) => (r as SecretRecord).provider === provider,
    loadMany: (ids, ctx) => Promise.all(ids.map(async (id) => (await secretOfId(ctx, typename, id)) as R | null)),
    fields: options.fields,
  });
  return ref;
}

/** Resource tags, for the providers that have them. */
export const TagType = builder.objectRef<{ key: string; value: string }>('Tag').implement({
  description: 'A resource tag.',
  shareable: true,
  fields: (t) => ({ key: t.exposeString('key'), value: t.exposeString('value') }),
});

/** What every versioned value carries (KMS, CSMS, AWS). */
interface VersionedValue {
  versionId: string | null;
  versionStages: string[];
  createdAt: Date | null;
}

/** The version fields of a value type, the same on every provider that versions its values. */
export const versionFields = <V extends VersionedValue>(t: PothosSchemaTypes.ObjectFieldBuilder<Types, V>) => ({
  versionId: t.string({ nullable: true, resolve: (v) => v.versionId }),
  versionStages: t.stringList({ resolve: (v) => v.versionStages }),
  createdAt: t.field({ type: 'DateTime', nullable: true, resolve: (v) => v.createdAt }),
});
