/** Scenario 5: 100 federation entity representations, as a router sends them. */
import { SOURCE_IDS } from '../lib/config.js';
import { ENTITIES_QUERY, globalId, requestBody } from '../lib/graphql.js';
import { type Case, single } from '../lib/cases.js';
import { kmsEntitiesMinimum, saeEntitiesMinimum, spread, type Limits } from '../lib/plan.js';
import type { RequestScenario } from '../lib/requests.js';
import type { InventorySummary } from '../lib/types.js';

function cases(inventory: InventorySummary, limits: Limits, connections: number): Case[] {
  const saeRefs = inventory.sae.refIds.map((id) => ({
    __typename: 'SaeSecret',
    id: globalId('SaeSecret', [SOURCE_IDS.sae, inventory.sae.refNamespace, id]),
  }));
  const kmsRefs = spread(100, inventory.kms.total).map((i) => ({
    __typename: 'KmsSecret',
    id: globalId('KmsSecret', [SOURCE_IDS.kms, inventory.kms.regionId, inventory.kms.names[i]]),
  }));
  return [
    {
      key: '5-entities-sae',
      title: `_entities: ${saeRefs.length} SAE refs, one namespace`,
      minimum: saeEntitiesMinimum(),
      connections,
      run: single(requestBody(ENTITIES_QUERY, { representations: saeRefs }), resolved(saeRefs.length)),
    },
    {
      key: '5-entities-kms',
      title: `_entities: ${kmsRefs.length} KMS refs, spread over ${inventory.kms.total}`,
      minimum: kmsEntitiesMinimum(kmsRefs.length, inventory.kms.total, limits),
      connections,
      run: single(requestBody(ENTITIES_QUERY, { representations: kmsRefs }), resolved(kmsRefs.length)),
    },
  ];
}

function resolved(n: number) {
  return (data: any) => {
    const entities = (data?._entities ?? []) as Array<{ name?: string } | null>;
    const count = entities.filter((e) => e?.name).length;
    return entities.length === n && count === n ? [] : [`${count}/${n} references resolved`];
  };
}

export const entities: RequestScenario = { kind: 'requests', number: 5, name: 'entities', cases };
