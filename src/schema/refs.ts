import type { RelatedAppRecord, SecretRecord } from '../domain/records.js';
import type { SecretSource } from '../sources/types.js';
import { builder } from './builder.js';

/** Type refs, declared apart from their fields so that type files can point at each other freely. */

export interface NamespaceShape {
  source: SecretSource;
  id: string;
}

export interface RelatedAppShape extends RelatedAppRecord {
  sourceId: string;
  namespaceId: string;
}

export const SecretRef = builder.interfaceRef<SecretRecord>('Secret');
export const NamespaceRef = builder.objectRef<NamespaceShape>('Namespace');
export const RelatedAppRef = builder.objectRef<RelatedAppShape>('RelatedApp');
export const SourceRef = builder.objectRef<SecretSource>('Source');
