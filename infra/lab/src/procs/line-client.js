// Long-lived TCP client for lab tests: stdin -> socket, socket -> stdout (like `socat - TCP:host:port`).
const net = require('node:net');
const [host, port] = process.argv.slice(2);
const sock = net.connect({ host, port: Number(port) });
process.stdin.pipe(sock);
sock.pipe(process.stdout);
sock.on('error', (e) => { process.stderr.write(`${e.message}\n`); process.exit(1); });
sock.on('close', () => process.exit(0));
