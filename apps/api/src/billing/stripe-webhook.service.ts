import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import Stripe from 'stripe';
import { DataSource } from 'typeorm';
import { processStripeEventJob } from '@anyfront/contracts';
import { StripeEventsRepository } from '@anyfront/db';
import { Outbox } from '../common/outbox';
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
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly outbox: Outbox,
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
    const row = await this.ds.transaction(async (tx) => {
      const stored = await new StripeEventsRepository(tx).receive({ id: event.id, type: event.type, created: event.created, livemode: event.livemode, payload: rawBody.toString('utf8') });
      // The job commits with the stored event (transactional outbox); a redelivery adds the same job id.
      if (stored && !stored.processed) await this.outbox.enqueue(tx, processStripeEventJob(event.id));
      return stored;
    });
    return { id: event.id, type: event.type, first_delivery: row?.inserted ?? false };
  }
}

function invalid(message: string, field: string): ProblemException {
  return new ProblemException(HttpStatus.BAD_REQUEST, `Stripe webhook refused: ${message}.`, { slug: 'stripe-signature', title: 'Invalid webhook', errors: [{ field, message }] });
}
