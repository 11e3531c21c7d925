/**
 * The probe child (health.ts ProbeWorker): forked by the agent under health.probe_uid, runs one
 * tcpProbe (or request to the backend kit: ownership challenge, path MTU probe) per message and answers with its result; exits with its parent. Imports only the probe
 * itself so it starts fast.
 */
import { challengeProbe, ProbeTarget, tcpProbe } from './probe';

process.on('message', (m: { id: number; target: ProbeTarget; port: number; challenge?: { path: string; dport: number; body?: number } }) => {
  if (m.challenge) void challengeProbe(m.target, m.port, m.challenge.path, m.challenge.dport, m.challenge.body).then((answer) => process.send?.({ id: m.id, answer }));
  else void tcpProbe(m.target, m.port).then((ok) => process.send?.({ id: m.id, ok }));
});
process.on('disconnect', () => process.exit(0));
process.send?.({ ready: true });
