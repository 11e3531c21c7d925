import { classifyStripeError } from './stripe-errors';

describe('classifyStripeError', () => {
  it('treats a duplicate meter event identifier as delivered', () => {
    expect(classifyStripeError({ type: 'StripeInvalidRequestError', statusCode: 400, message: 'An event already exists with identifier org.af.v1.ipv4.2026110314.' })).toEqual({ kind: 'already_delivered' });
    expect(classifyStripeError({ statusCode: 400, code: 'duplicate_meter_event', message: 'x' })).toEqual({ kind: 'already_delivered' });
  });

  it('retries outages, honouring Retry-After on 429', () => {
    expect(classifyStripeError({ type: 'StripeRateLimitError', statusCode: 429, message: 'Too many requests', headers: { 'retry-after': '7' } })).toEqual({ kind: 'retry', afterSeconds: 7, reason: '429: Too many requests' });
    expect(classifyStripeError({ type: 'StripeAPIError', statusCode: 503, message: 'down' })).toMatchObject({ kind: 'retry', afterSeconds: null });
    expect(classifyStripeError({ type: 'StripeConnectionError', message: 'Request aborted due to timeout being reached (2000ms)' })).toMatchObject({ kind: 'retry' });
    expect(classifyStripeError(new Error('socket hang up'))).toMatchObject({ kind: 'retry' });
    expect(classifyStripeError({ statusCode: 409, message: 'lock', headers: { 'retry-after': 'soon' } })).toMatchObject({ kind: 'retry', afterSeconds: null });
  });

  it('gives up on requests that cannot succeed', () => {
    expect(classifyStripeError({ type: 'StripeIdempotencyError', statusCode: 400, message: 'Keys for idempotent requests can only be used with the same parameters' })).toMatchObject({ kind: 'fatal' });
    expect(classifyStripeError({ type: 'StripeAuthenticationError', statusCode: 401, message: 'Invalid API Key' })).toMatchObject({ kind: 'fatal' });
    expect(classifyStripeError({ statusCode: 400, message: 'x', headers: { 'stripe-should-retry': 'true' } })).toMatchObject({ kind: 'retry' });
  });
});
