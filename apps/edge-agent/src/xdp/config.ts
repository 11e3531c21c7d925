import { resolve } from 'node:path';
import { z } from 'zod';

/** The object apps/edge-agent/xdp/build.mjs writes (npm start / npm test / CI build it from source). */
export const DEFAULT_XDP_OBJECT = resolve(__dirname, '..', '..', '..', '..', 'dist', 'xdp', 'anyfront_xdp.o');

/**
 * The edge's data path (agent config `datapath`, or set at runtime: POST /v1/datapath): `xdp` puts
 * the XDP fast path (issue 13) in front of the nft path, which stays fully programmed as the slow
 * path; `nft` runs nft alone. Unset: xdp where this edge supports it (the program loads and attaches
 * to the uplink, and the uplink is not a veth - see defaultDatapathBlocker), else nft. Whenever XDP
 * cannot run, the agent says why in its status and carries on with nft alone.
 */
export const DATAPATHS = ['nft', 'xdp'] as const;
export type Datapath = (typeof DATAPATHS)[number];
export const datapathSchema = z.enum(DATAPATHS);

/** `xdp` section of the agent config: how the fast path is loaded and attached. */
export const xdpConfigSchema = z.object({
  /** Before `datapath` existed: true = datapath xdp, false = datapath nft. */
  enabled: z.boolean().optional(),
  /** native: the driver's XDP hook (veth and real NICs); generic: skb mode (slower, any device). */
  mode: z.enum(['native', 'generic']).default('native'),
  /** bpffs directory where program and maps are pinned (mounted by the agent when it is not a bpffs). */
  pin_dir: z.string().min(1).default('/sys/fs/bpf/anyfront'),
  object: z.string().min(1).default(DEFAULT_XDP_OBJECT),
  bpftool: z.string().min(1).default('bpftool'),
}).strict();

export type XdpAgentConfig = z.infer<typeof xdpConfigSchema>;
export const XDP_CONFIG_DEFAULT: XdpAgentConfig = xdpConfigSchema.parse({});
