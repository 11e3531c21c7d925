import { Injectable } from '@nestjs/common';
import Stripe from 'stripe';
import { ensureCatalogPrices, ORGANIZATION_METADATA_KEY, PLAN_METADATA_KEY, stripeCatalog, entryAt, type PriceBook } from '@anyfront/billing';
import { AppConfig } from '../config';

/**
 * The Stripe side of billing, or null in local-ledger mode (no STRIPE_SECRET_KEY). Every create call
 * carries an idempotency key derived from what it creates, so a retry (ours or the SDK's) is a replay.
 */
@Injectable()
export class StripeGateway {
  readonly client: Stripe | null;

  constructor(private readonly config: AppConfig) {
    this.client = config.stripeSecretKey ? new Stripe(config.stripeSecretKey, stripeClientOptions(config)) : null;
  }

  get mode(): 'stripe' | 'local_ledger' {
    return this.client ? 'stripe' : 'local_ledger';
  }

  /** The organization's Customer, created once (the idempotency key makes a concurrent or retried create the same one). */
  async createCustomer(organizationId: string, name: string): Promise<string> {
    const stripe = this.required();
    const c = await stripe.customers.create({ name, metadata: { [ORGANIZATION_METADATA_KEY]: organizationId } }, { idempotencyKey: `customer:${organizationId}` });
    return c.id;
  }

  /** The metered prices of the version in force at `at`, creating missing meters, products and prices. */
  async currentPrices(book: PriceBook, at: number): Promise<string[]> {
    const version = entryAt(book, at)?.version;
    const items = stripeCatalog(book).filter((i) => i.priceVersion === version);
    const ids = await ensureCatalogPrices(this.required(), items);
    return items.map((i) => ids.get(i.price.lookup_key)!);
  }

  async checkoutSession(input: { organizationId: string; customerId: string; priceIds: string[]; plan: string }): Promise<string> {
    const stripe = this.required();
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      customer: input.customerId,
      client_reference_id: input.organizationId,
      line_items: input.priceIds.map((price) => ({ price })),
      subscription_data: { metadata: { [PLAN_METADATA_KEY]: input.plan, [ORGANIZATION_METADATA_KEY]: input.organizationId } },
      success_url: this.config.billingReturnUrl,
      cancel_url: this.config.billingReturnUrl,
    });
    if (!session.url) throw new Error('Stripe returned a checkout session without a URL');
    return session.url;
  }

  async portalSession(customerId: string): Promise<string> {
    const session = await this.required().billingPortal.sessions.create({ customer: customerId, return_url: this.config.billingReturnUrl });
    return session.url;
  }

  private required(): Stripe {
    if (!this.client) throw new Error('Stripe is not configured (local-ledger mode)');
    return this.client;
  }
}

/** SDK options: STRIPE_API_HOST/PORT/PROTOCOL point it elsewhere than api.stripe.com (tests: the Stripe test server). */
export function stripeClientOptions(config: Pick<AppConfig, 'stripeApiHost' | 'stripeApiPort' | 'stripeApiProtocol'>): Stripe.StripeConfig {
  return {
    maxNetworkRetries: 2,
    timeout: 10_000,
    ...(config.stripeApiHost ? { host: config.stripeApiHost } : {}),
    ...(config.stripeApiPort ? { port: config.stripeApiPort } : {}),
    ...(config.stripeApiProtocol ? { protocol: config.stripeApiProtocol } : {}),
  };
}
