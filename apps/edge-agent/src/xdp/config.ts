import { resolve } from 'node:path';
import { z } from 'zod';

/** The object apps/edge-agent/xdp/build.mjs writes (npm start / npm test / CI build it from source). */
export const DEFAULT_XDP_OBJECT = resolve(__dirname, '..', '..', '..', '..', 'dist', 'xdp', 'anyfront_xdp.o');

/**
 * `xdp` section of the agent config: the XDP fast path in front of the nft path (issue 13). Off by
 * default until the lab has proven it on every lab test; when on and the kernel or device cannot
 * take the program, the agent says so in its status and carries on with nft alone.
 */
export const xdpConfigSchema = z.object({
  enabled: z.boolean().default(false),
  /** native: the driver's XDP hook (veth and real NICs); generic: skb mode (slower, any device). */
  mode: z.enum(['native', 'generic']).default('native'),
  /** bpffs directory where program and maps are pinned (mounted by the agent when it is not a bpffs). */
  pin_dir: z.string().min(1).default('/sys/fs/bpf/anyfront'),
  object: z.string().min(1).default(DEFAULT_XDP_OBJECT),
  bpftool: z.string().min(1).default('bpftool'),
}).strict();

export type XdpAgentConfig = z.infer<typeof xdpConfigSchema>;
export const XDP_CONFIG_DEFAULT: XdpAgentConfig = xdpConfigSchema.parse({});
