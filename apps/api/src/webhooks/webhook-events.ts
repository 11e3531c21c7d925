import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { deliverWebhookJob } from '@anyfront/contracts';
import { WebhooksRepository } from '@anyfront/db';
import type { Outbox } from '../common/outbox';
import type { WEBHOOK_EVENT_TYPES } from './webhooks.dto';

/**
 * Records an event for the organization's webhook endpoints inside the write's transaction: one
 * delivery row per endpoint and its deliver-webhook job in the outbox, so the event exists exactly
 * when the write does. The body receivers get: `{ id, type, created_at, data }`.
 */
export async function emitWebhookEvent(tx: EntityManager, outbox: Outbox, organizationId: string, type: (typeof WEBHOOK_EVENT_TYPES)[number], data: Record<string, unknown>): Promise<void> {
  const event = { id: randomUUID(), type, created_at: new Date().toISOString(), data };
  const ids = await new WebhooksRepository(tx).insertDeliveries(organizationId, { id: event.id, type, payload: event });
  if (ids.length) await outbox.enqueue(tx, ...ids.map(deliverWebhookJob));
}
