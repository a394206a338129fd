import type { Provider, RecordFacets, SecretFilter, SecretRecord } from '../domain/records.js';

/** What the gateway checks itself of a filter, after pushdown: true when the record passes. */
export type RecordTest = (record: SecretRecord) => boolean;

/** What every provider's records carry: no source is skipped for them, and no provider applies them. */
const UNIVERSAL_FIELDS: ReadonlyArray<keyof SecretFilter> = [
  'search',
  'updatedBefore',
  'updatedAfter',
  'createdBefore',
  'createdAfter',
];

const RECORD_FIELDS: ReadonlyArray<keyof SecretFilter> = [
  'nameContains',
  'names',
  'types',
  'states',
  'gatewayType',
  'tags',
  ...UNIVERSAL_FIELDS,
];

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0);
}

/** The record fields the filter constrains. */
export function recordFieldsSet(filter: SecretFilter): Array<keyof SecretFilter> {
  return RECORD_FIELDS.filter((field) => isSet(filter[field]));
}

/** True when the filter constrains record fields (not just which sources and namespaces). */
export function hasRecordFilter(filter: SecretFilter): boolean {
  return RECORD_FIELDS.some((field) => isSet(filter[field]));
}

/** A source whose records lack a filtered field can never match: skip it without calling it. */
export function sourceCanMatch(
  source: { id: string; provider: Provider; filterableFields: ReadonlyArray<keyof SecretFilter> },
  filter: SecretFilter,
): boolean {
  if (filter.providers?.length && !filter.providers.includes(source.provider)) return false;
  if (filter.sources?.length && !filter.sources.includes(source.id)) return false;
  return RECORD_FIELDS.every(
    (field) => !isSet(filter[field]) || UNIVERSAL_FIELDS.includes(field) || source.filterableFields.includes(field),
  );
}

export function namespaceCanMatch(namespaceId: string, filter: SecretFilter): boolean {
  return !filter.namespaces?.length || filter.namespaces.includes(namespaceId);
}

/**
 * The whole filter as a test of one provider's records, checked in the gateway (provider-side
 * pushdown only narrows what is fetched); `facets` reads what not every provider's records carry.
 */
export function recordTest(filter: SecretFilter, facets: (record: SecretRecord) => RecordFacets): RecordTest {
  return (record) => matches(record, filter, facets(record));
}

function matches(record: SecretRecord, filter: SecretFilter, facets: RecordFacets): boolean {
  if (filter.nameContains && !record.name.toLowerCase().includes(filter.nameContains.toLowerCase())) return false;
  if (filter.names?.length && !filter.names.includes(record.name)) return false;
  if (filter.types?.length && (record.type === null || !filter.types.includes(record.type))) return false;
  if (filter.states?.length) {
    const state = facets.state ?? null;
    if (state === null || !filter.states.includes(state)) return false;
  }
  if (filter.gatewayType && facets.gatewayType !== filter.gatewayType) return false;
  if (filter.tags?.length) {
    const tags = facets.tags ?? [];
    const ok = filter.tags.every((want) =>
      tags.some((t) => t.key === want.key && (want.value == null || t.value === want.value)),
    );
    if (!ok) return false;
  }
  if (filter.search && !searchMatches(record, facets, filter.search.toLowerCase())) return false;
  return (
    within(record.updatedAt, filter.updatedAfter, filter.updatedBefore) &&
    within(record.createdAt, filter.createdAfter, filter.createdBefore)
  );
}

/** Keeps fields (and an index's entries) apart in search texts: a term without it cannot match across two. */
export const SEARCH_BREAK = '\u0000';

/**
 * What `search` looks in, lower-cased, fields apart: the name, the description, each tag key and
 * value. An index builds it once per secret, so that a search costs one `includes` per secret.
 */
export function searchTextOf(record: SecretRecord, facets: RecordFacets): string {
  const parts = [record.name, record.description ?? ''];
  for (const tag of facets.tags ?? []) parts.push(tag.key, tag.value);
  return parts.join(SEARCH_BREAK).toLowerCase();
}

/**
 * The filter's search, lower-cased, when a `searchTextOf` text answers it exactly as `recordTest`
 * would; null when there is none, or when it holds the field break (then only `recordTest` can).
 */
export function textSearchOf(filter: SecretFilter): string | null {
  if (!filter.search || filter.search.includes(SEARCH_BREAK)) return null;
  return filter.search.toLowerCase();
}

function searchMatches(record: SecretRecord, facets: RecordFacets, needle: string): boolean {
  if (record.name.toLowerCase().includes(needle)) return true;
  if (record.description?.toLowerCase().includes(needle)) return true;
  return (facets.tags ?? []).some(
    (t) => t.key.toLowerCase().includes(needle) || t.value.toLowerCase().includes(needle),
  );
}

/** `…After` includes its instant, `…Before` does not; a secret without the timestamp matches neither. */
function within(at: Date | null, after: Date | null | undefined, before: Date | null | undefined): boolean {
  if (!after && !before) return true;
  if (at === null) return false;
  return (!after || at.getTime() >= after.getTime()) && (!before || at.getTime() < before.getTime());
}
