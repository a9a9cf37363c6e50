/**
 * Child of the observe suite: N dashboard clients that read every frame
 * (recording the gaps between frames) and one that connects and never reads
 * a byte. Records from a `start` line on stdin, reports at `stop`.
 *
 *   node _dashboard-clients.js http://127.0.0.1:PORT N
 */
import { connect } from 'node:net';
import WebSocket from 'ws';

const [url, count] = [process.argv[2], Number(process.argv[3] ?? 8)];
const port = Number(new URL(url).port);
const gaps = [];
let frames = 0;
let skipped = 0;
let recording = false;
const sockets = [];
for (let i = 0; i < count; i++) {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/ws`);
  let last = 0;
  ws.on('message', (raw) => {
    const now = performance.now();
    const f = JSON.parse(String(raw));
    if (f.t !== 'frame') return;
    if (recording) {
      frames++;
      skipped = Math.max(skipped, f.skipped_frames);
      if (last) gaps.push(now - last);
    }
    last = now;
  });
  sockets.push(ws);
}
// the one that never reads: a WebSocket handshake, then the socket is paused for good
const sleeper = connect(port, '127.0.0.1', () => {
  sleeper.write(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  sleeper.pause();
});
sleeper.on('error', () => undefined);
process.stdout.write('ready\n');
process.stdin.setEncoding('utf8');
process.stdin.on('data', (text) => {
  if (text.includes('start')) recording = true;
  if (!text.includes('stop')) return;
  for (const ws of sockets) ws.terminate();
  sleeper.destroy();
  gaps.sort((a, b) => a - b);
  process.stdout.write(`${JSON.stringify({ frames, skipped, max: gaps[gaps.length - 1] ?? null, p99: gaps[Math.floor(gaps.length * 0.99)] ?? null, median: gaps[gaps.length >> 1] ?? null })}\n`);
  process.exit(0);
});
