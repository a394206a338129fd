import type { GatewayContext } from '../context.js';
import type { SecretRecord } from '../domain/records.js';

export type RevealOutcome = 'revealed' | 'not-found' | 'failed';

/**
 * One structured line per secret whose value a request asked for: who, which secret, when and
 * from where, and how it went. Never the value: callers pass the record, not what was read.
 * `ctx.audit` is a child logger that already carries the request id.
 */
export function auditReveal(
  ctx: GatewayContext,
  secretId: string,
  record: SecretRecord,
  outcome: RevealOutcome,
  code?: string,
): void {
  ctx.audit.info(
    {
      audit: true,
      event: 'secret.reveal',
      outcome,
      subject: ctx.grant.subject,
      method: ctx.grant.method,
      secret: secretId,
      provider: record.provider,
      source: record.sourceId,
      namespace: record.namespaceId,
      name: record.name,
      at: new Date().toISOString(),
      ip: ctx.client.ip,
      forwardedFor: ctx.client.forwardedFor ?? undefined,
      code,
    },
    outcome === 'revealed' ? 'secret value revealed' : `secret value not revealed (${outcome})`,
  );
}
