// Tiny backend for the one-edge agent lab (agent-net.ts): HTTP on <addr>:<httpPort> answering "backend=<name> client=<ip>",
// and a line echo on <addr>:<echoPort> prefixing "<name>: " (a long-lived connection for restart tests).
const http = require('node:http');
const net = require('node:net');
const [name, addrs, httpPort, echoPort] = process.argv.slice(2);
for (const addr of addrs.split(',')) {
  http.createServer((req, res) => {
    res.end(`backend=${name} client=${req.socket.remoteAddress}\n`);
  }).listen(Number(httpPort), addr);
  net.createServer((s) => {
    s.on('data', (d) => s.write(`${name}: ${d}`));
    s.on('error', () => undefined);
  }).listen(Number(echoPort), addr);
}
process.stdout.write('ready\n');
