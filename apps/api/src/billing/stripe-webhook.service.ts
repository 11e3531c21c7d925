import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import Stripe from 'stripe';
import { DataSource } from 'typeorm';
import { processStripeEventJob, QueueName } from '@anyfront/contracts';
import { ProblemException } from '../common/problem';
import { AppConfig } from '../config';

export interface WebhookReceipt {
  id: string;
  type: string;
  /** False when the event id was already stored (a redelivery): nothing new happens. */
  first_delivery: boolean;
}

/**
 * Stripe webhook intake: verify the signature on the raw body with the SDK (constructEvent: HMAC
 * and timestamp tolerance), store the event by id (a redelivery is a no-op insert), and hand it to
 * the worker's billing job. Nothing else happens in the request: the job applies it once.
 */
@Injectable()
export class StripeWebhookService {
  private readonly log = new Logger(StripeWebhookService.name);

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @InjectQueue(QueueName.Billing) private readonly queue: Queue,
    private readonly config: AppConfig,
  ) {}

  async receive(rawBody: Buffer | undefined, signature: string | undefined): Promise<WebhookReceipt> {
    const secret = this.config.stripeWebhookSecret;
    if (!secret) {
      throw new ProblemException(HttpStatus.CONFLICT, 'Stripe webhooks are not configured here (STRIPE_WEBHOOK_SECRET is not set).', { slug: 'billing-webhooks-not-configured' });
    }
    if (!rawBody) throw invalid('the body must be the JSON event Stripe sent (content-type application/json)', 'body');
    if (!signature) throw invalid('the Stripe-Signature header is missing', 'header.stripe-signature');
    let event: Stripe.Event;
    try {
      event = Stripe.webhooks.constructEvent(rawBody, signature, secret);
    } catch (err) {
      // Forged, stale (older than the SDK's 5-minute tolerance) or signed with another secret.
      throw invalid(`signature verification failed: ${(err as Error).message}`, 'header.stripe-signature');
    }
    const rows: Array<{ inserted: boolean; processed: boolean }> = await this.ds.query(
      `INSERT INTO stripe_events (id, type, created, livemode, payload)
       VALUES ($1, $2, to_timestamp($3), $4, $5)
       ON CONFLICT (id) DO UPDATE SET deliveries = stripe_events.deliveries + 1
       RETURNING (xmax = 0) AS inserted, processed_at IS NOT NULL AS processed`,
      [event.id, event.type, event.created, event.livemode, rawBody.toString('utf8')],
    );
    const [row] = rows;
    if (row && !row.processed) {
      try {
        await this.queue.add(...addArgs(event.id));
      } catch (err) {
        // Stored: the worker's dunning sweep picks up events nobody processed.
        this.log.warn(`could not enqueue Stripe event ${event.id}: ${(err as Error).message}`);
      }
    }
    return { id: event.id, type: event.type, first_delivery: row?.inserted ?? false };
  }
}

function addArgs(eventId: string) {
  const job = processStripeEventJob(eventId);
  return [job.name, job.data, job.opts] as const;
}

function invalid(message: string, field: string): ProblemException {
  return new ProblemException(HttpStatus.BAD_REQUEST, `Stripe webhook refused: ${message}.`, { slug: 'stripe-signature', title: 'Invalid webhook', errors: [{ field, message }] });
}
