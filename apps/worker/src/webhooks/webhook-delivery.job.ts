import { Inject, Logger } from '@nestjs/common';
import { OnWorkerEvent, WorkerHost } from '@nestjs/bullmq';
import { InjectDataSource } from '@nestjs/typeorm';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { DataSource } from 'typeorm';
import { JobName, QueueName } from '@anyfront/contracts';
import { WebhooksRepository } from '@anyfront/db';
import { signWebhook, WEBHOOK_ID_HEADER, WEBHOOK_SIGNATURE_HEADER, webhookAddressRefusal, webhookUrlRefusal, type WebhookUrlPolicy } from '@anyfront/domain';
import { WORKER_CONFIG, type WorkerConfig } from '../config';
import { type Job, QueueProcessor, unhandled } from '../queues';

const TIMEOUT_MS = 10_000;

/**
 * Sends tenant webhook deliveries (issue 12). Each job is one delivery row: signed with the
 * endpoint's secret over "<timestamp>.<body>", the event id in its own header (the same on every
 * retry, so receivers can drop duplicates). A non-2xx answer, a timeout or a refused address
 * records the attempt and throws: BullMQ retries with the job map's backoff; the last attempt
 * marks the delivery failed. A delivered row (a duplicate job) or a deleted endpoint is a no-op.
 * The URL's addresses are checked again here, at connect time (DNS may have changed since the
 * endpoint was registered): the socket only connects to an address that passed.
 */
@QueueProcessor(QueueName.Webhooks)
export class WebhookDeliveryJob extends WorkerHost {
  private readonly log = new Logger(WebhookDeliveryJob.name);
  private readonly policy: WebhookUrlPolicy;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(WORKER_CONFIG) config: WorkerConfig,
  ) {
    super();
    this.policy = { localMode: config.webhookLocalMode };
  }

  async process(job: Job<QueueName.Webhooks>): Promise<unknown> {
    if (job.name === JobName.DeliverWebhook) return this.deliver(job.data.deliveryId, job.attemptsMade + 1 >= (job.opts.attempts ?? 1));
    // A one-job queue does not narrow to never; a second job of this queue adds its branch above.
    return unhandled(job as never);
  }

  private async deliver(deliveryId: string, final: boolean): Promise<unknown> {
    const repo = new WebhooksRepository(this.ds);
    const d = await repo.delivery(deliveryId);
    if (!d) return { skipped: 'endpoint deleted' };
    if (d.state !== 'pending') return { skipped: d.state };
    const refusal = webhookUrlRefusal(d.url, this.policy);
    if (refusal) {
      await repo.recordFailure(d.id, null, refusal, true);
      return { refused: refusal };
    }
    const body = JSON.stringify(d.payload);
    let status: number | null = null;
    let error: string;
    try {
      const headers = {
        'content-type': 'application/json',
        'user-agent': 'Anyfront-Webhooks/1',
        [WEBHOOK_SIGNATURE_HEADER]: signWebhook(d.secret, body, Math.floor(Date.now() / 1000)),
        [WEBHOOK_ID_HEADER]: d.eventId,
      };
      status = await post(d.url, body, headers, checkedLookup(this.policy));
      if (status >= 200 && status < 300) {
        await repo.markDelivered(d.id, status);
        return { delivered: status };
      }
      error = `answered HTTP ${status}`;
    } catch (err) {
      error = (err as Error).message;
    }
    await repo.recordFailure(d.id, status, error, final);
    throw new Error(`webhook delivery ${d.id} (${d.eventType}) to ${d.url}: ${error}${final ? '; giving up' : ''}`);
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job<QueueName.Webhooks> | undefined, err: Error): void {
    this.log.warn(`webhook job ${job?.id ?? ''} failed (attempt ${job?.attemptsMade ?? '?'}): ${err.message}`);
  }
}

/** A DNS lookup that fails unless every address it returns passes the webhook address rules. */
function checkedLookup(policy: WebhookUrlPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return (callback as (e: Error) => void)(err);
      const refused = addresses.map((a) => webhookAddressRefusal(a.address, policy)).find(Boolean);
      if (refused) return (callback as (e: Error) => void)(new Error(`host ${hostname} resolves to ${refused}`));
      if (options.all) return (callback as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const [first] = addresses;
      if (!first) return (callback as (e: Error) => void)(new Error(`host ${hostname} has no address`));
      return (callback as (e: null, a: string, f: number) => void)(null, first.address, first.family);
    });
  };
}

/** POSTs `body`; resolves with the status once the answer has been read. */
function post(url: string, body: string, headers: Record<string, string>, lookup: LookupFunction): Promise<number> {
  const u = new URL(url);
  const lib = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(u, { method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) }, timeout: TIMEOUT_MS, lookup }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)));
    req.on('error', reject);
    req.end(body);
  });
}
