/**
 * The probe child (health.ts ProbeWorker): forked by the agent under health.probe_uid, runs one
 * tcpProbe per message and answers with its result; exits with its parent. Imports only the probe
 * itself so it starts fast.
 */
import { ProbeTarget, tcpProbe } from './probe';

process.on('message', (m: { id: number; target: ProbeTarget; port: number }) => {
  void tcpProbe(m.target, m.port).then((ok) => process.send?.({ id: m.id, ok }));
});
process.on('disconnect', () => process.exit(0));
process.send?.({ ready: true });
