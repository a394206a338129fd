import type { KmsSecret } from '../../src/providers/alibaba-kms/records.js';

/** A plain KMS record for the engine's unit tests (any provider's record would do: the engine reads none of its own fields). */
export const kmsRecord = (name: string, at: { sourceId?: string; namespaceId?: string } = {}): KmsSecret => ({
  provider: 'alibaba-kms',
  sourceId: at.sourceId ?? 'src',
  namespaceId: at.namespaceId ?? 'ns',
  key: name,
  name,
  type: 'Generic',
  createdAt: null,
  updatedAt: null,
  plannedDeleteTime: null,
  owingService: null,
  tags: [],
});
