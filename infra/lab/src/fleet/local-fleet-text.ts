/** Pure parts of the `npm start` local fleet: when the lab can run, and what to tell the user. */

/** Null when the lab can run here, else why not. */
export function labPrerequisites(has: (bin: string) => boolean, uid = process.getuid?.(), platform: string = process.platform): string | null {
  if (platform !== 'linux') return `not Linux (${platform})`;
  if (uid !== 0) return 'not running as root';
  const missing = ['ip', 'nft', 'bird', 'birdc'].filter((b) => !has(b));
  return missing.length ? `missing ${missing.join(', ')} (apt-get install iproute2 nftables bird2)` : null;
}

export interface InstructionInput {
  apiUrl: string;
  apiKey: string;
  edges: { ns: string; pop: string }[];
  clientNs: string;
  /** Lab backends' unicast (tunnel) addresses. */
  backends: string[];
  prefixes: string[];
}

/** The shell commands a new user runs to create a service on the local fleet and reach it. */
export function localFleetInstructions(i: InstructionInput): string {
  const auth = `-H "authorization: Bearer $KEY" -H 'content-type: application/json'`;
  return `${i.edges.map((e) => `${e.ns} (PoP ${e.pop})`).join(', ')} run the real edge agent, registered with this API;
   they announce ${i.prefixes.join(' and ')} to the lab router. Backends: ${i.backends.join(', ')} (SRv6, HTTP on port 80).
   The lab backends' kits get each new backend's verification token (what you do on your own servers
   with backend-kit token add): the edges verify them, then send them traffic.
   Create a service and its backends with the demo API key, then reach it from the lab client:

  export AF=${i.apiUrl} KEY=${i.apiKey}
  SERVICE_ID=$(curl -s -X POST $AF/v1/services ${auth} \\
    -d '{"name":"web","listeners":[{"protocol":"tcp","ports":"80"}]}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).id')
${i.backends.map((b) => `  curl -s -X POST $AF/v1/services/$SERVICE_ID/backends ${auth} -d '{"address":"${b}"}'`).join('\n')}
  curl -s $AF/v1/services/$SERVICE_ID/backends -H "authorization: Bearer $KEY"       # verification: verified
  curl -s $AF/v1/services/$SERVICE_ID/deployment -H "authorization: Bearer $KEY"     # deployed, per PoP
  ip netns exec ${i.clientNs} curl http://<the service's ${i.prefixes[0]} address>/whoami   # printed below as soon as it is assigned
  curl -s "$AF/v1/services/$SERVICE_ID/traffic?step=1h" -H "authorization: Bearer $KEY"  # bytes the edges forwarded
  curl -s $AF/v1/usage -H "authorization: Bearer $KEY"                               # hourly usage (rolled up every minute)

`;
}
