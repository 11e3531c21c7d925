// What `npm start` shows of its processes' logs. Every app writes pino JSON lines (libs/logging);
// this keeps each app's full log in .data/logs/<app>.log and shows a readable, filtered view on
// the terminal: one line per event with the app as prefix, info and above (request logs are debug,
// so they stay in the files), errors always.
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { prettyFactory } from 'pino-pretty';

const COLORS = [36, 35, 33, 32, 34, 96, 95, 93];
const INFO = 30;

export function createLogView({ dir, width = 7, color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR }) {
  mkdirSync(dir, { recursive: true });
  const files = new Map();
  const colorOf = new Map();
  const pretty = prettyFactory({
    colorize: color,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,app,context,node_id,req,res,responseTime',
    singleLine: true,
    messageFormat: '{if context}[{context}] {end}{msg}',
  });
  const file = (app) => {
    if (!files.has(app)) files.set(app, createWriteStream(path.join(dir, `${app}.log`), { flags: 'a' }));
    return files.get(app);
  };
  const prefix = (app) => {
    if (!colorOf.has(app)) colorOf.set(app, COLORS[colorOf.size % COLORS.length]);
    const label = app.padEnd(width).slice(0, width);
    return color ? `\x1b[${colorOf.get(app)}m${label}\x1b[0m │ ` : `${label} │ `;
  };
  // Long fields (a rendered nft script, a whole desired state) belong in the file, not on screen.
  const trimmed = (obj) => Object.fromEntries(Object.entries(obj).map(([k, v]) => {
    const text = typeof v === 'string' ? v : JSON.stringify(v);
    return [k, text && text.length > 160 && k !== 'msg' && k !== 'err' ? `${text.slice(0, 60)}… (${text.length} chars, see the log file)` : v];
  }));

  /** Shows one line of `source`'s output (pino JSON or plain text) and appends it to its app's file. */
  function line(source, text) {
    if (!text.trim()) return;
    let obj = null;
    if (text.startsWith('{')) {
      try { obj = JSON.parse(text); } catch { obj = null; }
    }
    const app = typeof obj?.app === 'string' ? obj.app : source;
    file(app).write(`${text}\n`);
    if (obj && typeof obj.level === 'number') {
      if (obj.level < INFO) return;
      process.stdout.write(prefix(app) + pretty(trimmed(obj)));
    } else {
      process.stdout.write(`${prefix(app)}${text}\n`);
    }
  }

  return {
    line,
    file,
    /** Follows a child's stdout and stderr; `onLine` sees every parsed JSON line (for readiness). */
    attach(source, child, onLine = () => undefined) {
      for (const stream of [child.stdout, child.stderr]) {
        if (!stream) continue;
        readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', (text) => {
          line(source, text);
          if (text.startsWith('{')) {
            try { onLine(JSON.parse(text)); } catch { /* not JSON */ }
          }
        });
      }
    },
    /** Plain text of `npm start` itself, under the given prefix. */
    say(source, text) {
      for (const l of text.split('\n')) line(source, l);
    },
    close: () => Promise.all([...files.values()].map((f) => new Promise((r) => f.end(r)))),
  };
}
