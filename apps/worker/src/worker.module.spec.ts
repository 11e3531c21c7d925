import { BillingJob } from './billing/billing.job';
import { loadWorkerConfig } from './config';
import { WORKER_PROCESSORS, workerModule } from './worker.module';

describe('workerModule', () => {
  const config = loadWorkerConfig({ DATABASE_URL: 'postgres://127.0.0.1/none' });

  it('refuses to start when a queue has no processor, naming the queue', () => {
    // The outbox relay and the schedulers add jobs to every queue; nobody would consume these.
    expect(() => workerModule(config, WORKER_PROCESSORS.filter((p) => p !== BillingJob))).toThrow(/no processor for queue\(s\) "billing"/);
  });

  it('builds with a processor for every queue', () => {
    expect(() => workerModule(config)).not.toThrow();
  });
});
