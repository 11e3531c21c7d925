/**
 * The demo deployment of `npm start`: logins, PoPs and pools that the demo seed (apps/api) writes
 * and the local fleet (infra/lab) logs in with. A demo deployment only: never seed production.
 */
export const DEMO = {
  operator: { email: 'operator@example.com', password: 'anyfront-operator' },
  owner: { email: 'demo@example.com', password: 'anyfront-demo', organization: 'Demo Organization' },
  // Fixed so every run of the idempotent seed can print it (only its hash is stored).
  apiKey: 'afk_demo_0000000000000000000000000000000000000',
  pops: [
    { code: 'ams', name: 'Amsterdam', region: 'eu-west' },
    { code: 'fra', name: 'Frankfurt', region: 'eu-central' },
    { code: 'nyc', name: 'New York', region: 'us-east' },
    { code: 'sjc', name: 'San Jose', region: 'us-west' },
  ],
  // Two IPv4 pools with different PoP sets (so one broken PoP set cannot take both of a service's addresses), one IPv6 pool.
  pools: [
    { prefix: '192.0.2.0/24', pops: ['ams', 'nyc'] },
    { prefix: '198.51.100.0/24', pops: ['fra', 'sjc'] },
    { prefix: 'fd00:a0::/48', pops: ['ams', 'fra', 'nyc', 'sjc'] },
  ],
};
