import { BACKEND_PATH_MTU, BACKEND_PATH_MTU_PATH, BACKEND_VERIFY_PORT } from '@anyfront/contracts';
import type { ChallengeAnswer } from './backend-verification';

/**
 * The edges' path MTU probe (issue 9 §5). A health check proves a backend answers small packets;
 * uploads need full-size ones. The backend kit clamps the MSS of its SYN-ACKs so that a full TCP
 * segment from a client fills exactly BACKEND_PATH_MTU bytes once the edge added the tunnel
 * headers (kit option --mtu, default 1500). After a passing health probe the edge sends, through the
 * same tunnel, an HTTP POST of PATH_MTU_PROBE_BYTES to the kit's port: its TCP connection gets the
 * same clamped MSS as a client's, so the body travels in full-size segments in the client -> backend
 * direction, and the kit answers with the number of bytes it received. A path narrower than the
 * segments drops them (the router's "packet too big" goes to the edge's tunnel address, where no
 * socket learns from it: nothing shrinks them), so the probe gets no answer, exactly like an upload
 * that stalls. The agent then reports the backend unhealthy with pathMtuReason.
 */

/** Body size: at least two full segments at any MSS a 1500-byte path gives. */
export const PATH_MTU_PROBE_BYTES = 4000;
/** Largest body the kit reads. */
export const PATH_MTU_PROBE_MAX_BYTES = 65536;

export function pathMtuProbePath(nonce: string): string {
  return `${BACKEND_PATH_MTU_PATH}?nonce=${nonce}`;
}

/** The probe's nonce when a request path is one, else null. */
export function parsePathMtuProbePath(path: string): string | null {
  const m = /^\/\.well-known\/anyfront-mtu\?nonce=([0-9a-f]{16,64})$/.exec(path);
  return m?.[1] ?? null;
}

/** What the kit answers: the nonce and the body bytes it received. */
export function pathMtuAnswer(nonce: string, bytes: number): string {
  return `anyfront-mtu-v1 ${nonce} ${bytes}\n`;
}

/** Null when the answer shows the whole body arrived; else why the check fails (for the status report and the API). */
export function judgePathMtu(answer: ChallengeAnswer, nonce: string, bytes: number): string | null {
  if ('error' in answer && answer.error === 'timed out') {
    return `path MTU to backend below ${BACKEND_PATH_MTU}: a ${bytes}-byte request in full-size segments through the tunnel got no answer while the health check passed; `
      + `clients' uploads would stall. Raise the path MTU between the edges and the backend to ${BACKEND_PATH_MTU}, or run the backend kit with --mtu set to the path's MTU (a smaller MSS)`;
  }
  if ('error' in answer) return `path MTU probe: no answer from the backend kit on port ${BACKEND_VERIFY_PORT} through the tunnel (${answer.error})`;
  if (answer.status === 200 && answer.body.trim() === pathMtuAnswer(nonce, bytes).trim()) return null;
  return `path MTU probe: the backend kit on port ${BACKEND_VERIFY_PORT} answered HTTP ${answer.status} without the expected acknowledgement (an older kit? update it)`;
}
