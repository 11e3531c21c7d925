export * from './entities';
export * from './data-source';
export * from './naming-strategy';
export * from './demo-credentials';
export * from './billing/billing.repository';
export * from './billing/billing-accounts.repository';
export * from './outbox/outbox.repository';
export * from './outbox/fleet-changes';
