import type { TLSSocket } from 'node:tls';
import { Agent, buildConnector } from 'undici';

/**
 * An undici dispatcher that talks TLS only to a server whose certificate has the pinned SHA-256
 * fingerprint (the one the agent reported with its push URL). The agent's certificate is
 * self-signed, so chain and name checks are off; the fingerprint is the whole check, and it runs
 * on the connected socket before a single request byte is written.
 */
export function pinnedTlsDispatcher(fingerprint256: string): Agent {
  const connect = buildConnector({ rejectUnauthorized: false });
  return new Agent({
    connect: (opts, callback) => {
      connect(opts, (err, socket) => {
        if (err || !socket) return callback(err ?? new Error('no socket'), null);
        const presented = (socket as TLSSocket).getPeerX509Certificate?.()?.fingerprint256;
        if (presented !== fingerprint256) {
          socket.destroy();
          return callback(new Error(`TLS certificate fingerprint mismatch: the agent presented ${presented ?? 'no certificate'}, pinned ${fingerprint256}`), null);
        }
        return callback(null, socket);
      });
    },
  });
}
