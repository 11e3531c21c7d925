export * from './server';
export { StripeApiError } from './errors';
