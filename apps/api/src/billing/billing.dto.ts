import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { PLAN_IDS } from '@anyfront/billing';

const MINOR = 'Integer minor units of the currency (cents), as a decimal string so it is exact';

export class BillingPeriodDto {
  @ApiProperty({ format: 'date-time' }) from!: string;
  @ApiProperty({ format: 'date-time' }) to!: string;
}

export class InvoiceLineDto {
  @ApiProperty({ enum: ['usage', 'allowance'] }) kind!: 'usage' | 'allowance';
  @ApiProperty({ example: 'IPv4 anycast address time' }) description!: string;
  @ApiProperty({ type: String, nullable: true, example: 'ipv4_address_seconds', description: 'The metered quantity; null for the allowance' }) metric!: string | null;
  @ApiProperty({ description: 'Price-book version the line is priced with' }) price_version!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) from!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) to!: string | null;
  @ApiProperty({ type: String, nullable: true, example: '7200', description: 'Exact quantity in `unit`s (address-seconds or bytes)' }) quantity!: string | null;
  @ApiProperty({ type: String, nullable: true, enum: ['address-second', 'byte'] }) unit!: string | null;
  @ApiProperty({ type: String, nullable: true, example: '0.54 per address-hour', description: 'The price as the price book states it' }) unit_price!: string | null;
  @ApiProperty({ example: '1', description: `${MINOR}; rounded once per line, halves up` }) amount!: string;
}

export class InvoicePreviewDto {
  @ApiProperty({ type: BillingPeriodDto, description: 'The invoice period so far: from the start of the month to the end of the current hour' }) period!: BillingPeriodDto;
  @ApiProperty({ format: 'date-time', description: 'Usage counted up to this instant' }) as_of!: string;
  @ApiProperty({ example: 'usd' }) currency!: string;
  @ApiProperty({ type: [InvoiceLineDto], description: 'Usage lines (one per metric and price version), then the free allowance; they sum to total' }) lines!: InvoiceLineDto[];
  @ApiProperty({ description: MINOR }) subtotal!: string;
  @ApiProperty({ description: MINOR }) total!: string;
  @ApiProperty({ description: `${MINOR}; 0 on the free plan` }) amount_due!: string;
  @ApiProperty({ example: '3.94 USD' }) total_formatted!: string;
}

export class PlanQuotasDto {
  @ApiProperty() services!: number;
  @ApiProperty() ipv4_addresses!: number;
  @ApiProperty() backends_per_service!: number;
  @ApiProperty() backends_per_organization!: number;
  @ApiProperty() api_keys!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'null = unlimited' }) traffic_gb_per_month!: number | null;
}

export class BillingOverviewDto {
  @ApiProperty({ format: 'uuid' }) organization_id!: string;
  @ApiProperty({ enum: ['stripe', 'local_ledger'], description: 'local_ledger: no Stripe configured; usage is rated and kept as local monthly statements, nothing is collected' }) mode!: 'stripe' | 'local_ledger';
  @ApiProperty({ enum: PLAN_IDS }) plan!: string;
  @ApiProperty({ example: 'Free' }) plan_name!: string;
  @ApiProperty({ enum: ['active', 'past_due', 'suspended'] }) status!: string;
  @ApiProperty({ type: String, nullable: true, enum: ['payment_failed', 'grace_expired', 'operator'] }) status_reason!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'While past due: when the services will be withdrawn' }) grace_until!: string | null;
  @ApiProperty({ type: String, nullable: true, description: "While suspended by an operator: the operator's reason" }) suspension_reason!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: "While suspended: since when the organization's services are withdrawn from the fleet (new services and backends are refused with 402)" }) suspended_at!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: "While suspended: until when the organization's anycast addresses stay reserved for it" }) addresses_reserved_until!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: "While suspended: when its addresses were released into quarantine (the reserve period was over); restoring the organization assigns new ones" }) addresses_released_at!: string | null;
  @ApiProperty() has_payment_method!: boolean;
  @ApiProperty({ type: PlanQuotasDto }) quotas!: PlanQuotasDto;
  @ApiProperty({ type: BillingPeriodDto, description: 'The current billing period (calendar month, UTC)' }) current_period!: BillingPeriodDto;
  @ApiProperty({ type: InvoicePreviewDto }) invoice_preview!: InvoicePreviewDto;
}

export class UsagePointDto {
  @ApiProperty({ format: 'date-time' }) from!: string;
  @ApiProperty({ format: 'date-time' }) to!: string;
  @ApiProperty({ description: 'Exact' }) ipv4_address_seconds!: number;
  @ApiProperty({ example: '1.5', description: 'Rounded to 4 decimals for display' }) ipv4_address_hours!: string;
  @ApiProperty() ipv6_address_seconds!: number;
  @ApiProperty() ipv6_address_hours!: string;
  @ApiProperty({ example: '1500000000', description: 'Exact, as a decimal string' }) traffic_bytes!: string;
  @ApiProperty({ example: '1.5', description: 'GB of 10^9 bytes, rounded to 6 decimals for display' }) traffic_gb!: string;
}

export class ServiceUsageDto {
  @ApiProperty({ format: 'uuid' }) service_id!: string;
  @ApiProperty({ type: String, nullable: true, description: 'null when the service no longer exists' }) service_name!: string | null;
  @ApiProperty({ type: [UsagePointDto] }) points!: UsagePointDto[];
}

export class BillingUsageDto {
  @ApiProperty({ format: 'date-time' }) from!: string;
  @ApiProperty({ format: 'date-time' }) to!: string;
  @ApiProperty({ example: 86400 }) step_seconds!: number;
  @ApiProperty({ type: [ServiceUsageDto], description: 'Services with any usage in the range (deleted ones included)' }) services!: ServiceUsageDto[];
}

export class BillingInvoiceDto {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['local_statement', 'stripe'] }) source!: string;
  @ApiProperty({ example: 'issued', description: 'Local statements: issued. Stripe invoices: draft, open, paid, uncollectible or void' }) status!: string;
  @ApiProperty({ type: BillingPeriodDto }) period!: BillingPeriodDto;
  @ApiProperty({ enum: PLAN_IDS }) plan!: string;
  @ApiProperty({ example: 'usd' }) currency!: string;
  @ApiProperty({ description: MINOR }) total!: string;
  @ApiProperty({ description: MINOR }) amount_due!: string;
  @ApiProperty({ description: `${MINOR}; local statements: 0 (nothing is collected)` }) amount_paid!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Stripe invoices: when a payment of it first failed' }) payment_failed_at!: string | null;
  @ApiProperty({ type: [InvoiceLineDto], description: 'Local statements: the rated lines. Stripe invoices: empty (see the hosted invoice page)' }) lines!: InvoiceLineDto[];
  @ApiProperty({ type: String, nullable: true, description: "Stripe's hosted invoice page" }) hosted_invoice_url!: string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}

export class BillingInvoicesDto {
  @ApiProperty({ enum: ['stripe', 'local_ledger'] }) mode!: string;
  @ApiProperty({ type: [BillingInvoiceDto], description: 'Newest first' }) invoices!: BillingInvoiceDto[];
}

export class CheckoutSessionRequestDto {
  @ApiPropertyOptional({ enum: ['standard'], description: 'The plan to subscribe to (default standard); a custom plan is set by an operator' })
  @IsOptional()
  @IsIn(['standard'], { message: 'must be "standard" (custom plans are set by an operator)' })
  plan?: 'standard';
}

export class SessionUrlDto {
  @ApiProperty({ example: 'https://checkout.stripe.com/c/pay/cs_test_...' }) url!: string;
}

export class OrganizationHoldRequestDto {
  @ApiProperty({ minLength: 3, maxLength: 500, example: 'Chargeback under investigation (ticket 4821)', description: 'Why; kept in the audit log and, for a suspension, shown to the organization' })
  @IsString()
  @MinLength(3)
  @MaxLength(500)
  reason!: string;
}

export class OperatorHoldDto {
  @ApiProperty() reason!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
}

export class OrganizationStandingDto {
  @ApiProperty({ format: 'uuid' }) organization_id!: string;
  @ApiProperty({ enum: ['active', 'past_due', 'suspended'] }) status!: string;
  @ApiProperty({ type: String, nullable: true, enum: ['payment_failed', 'grace_expired', 'operator'] }) status_reason!: string | null;
  @ApiProperty({ type: OperatorHoldDto, nullable: true, description: "An operator's suspension; lifted only by an operator" }) operator_hold!: OperatorHoldDto | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'While past due: when the services will be withdrawn' }) grace_until!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: "While suspended: since when the organization's services are withdrawn from the fleet" }) suspended_at!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: "While suspended: until when the organization's anycast addresses stay reserved for it" }) addresses_reserved_until!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: "While suspended: when its addresses were released into quarantine (the reserve period was over); restoring the organization assigns new ones" }) addresses_released_at!: string | null;
}
