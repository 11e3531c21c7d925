/** Codes of the billing lib's input errors; the API maps them to problem+json once, at the edge. */
export enum BillingErrorCode {
  InvalidPriceBook = 'invalid_price_book',
  NoPriceEffective = 'no_price_effective',
  InvalidPeriod = 'invalid_period',
  InvalidUsage = 'invalid_usage',
  InvalidHoldingHistory = 'invalid_holding_history',
  UsageDecreased = 'usage_decreased',
  InvalidQuotas = 'invalid_quotas',
}

export interface BillingIssue {
  /** Dotted path of the offending field, e.g. "entries.1.ipv4AddressHour". */
  readonly path: string;
  readonly message: string;
}

export class BillingError extends Error {
  constructor(
    readonly code: BillingErrorCode,
    message: string,
    readonly issues: readonly BillingIssue[] = [],
  ) {
    super(message);
    this.name = 'BillingError';
  }
}
