// server.js: receives an upload in chunks. A debounce timer (setTimeout,
// reset by every chunk) decides the upload is over once no chunk came for
// IDLE_MS; an interval timer flushes the buffered chunks every 100 ms.
const IDLE_MS = 1000;
const received = [];
let buffered = [];
let written = '';
let idle = null;
let lastAt = null;
const gaps = [];

const flusher = setInterval(() => {
  written += buffered.join('');
  buffered = [];
}, 100);

const chunks = Event.subscribe('upload.chunk', (e) => {
  const now = Date.now();
  if (lastAt !== null) gaps.push(now - lastAt);
  lastAt = now;
  received.push(e.data.n);
  buffered.push(e.data.text);
  clearTimeout(idle);
  idle = setTimeout(finish, IDLE_MS);
});

function finish() {
  // nothing may keep the script alive once the upload is over
  clearInterval(flusher);
  chunks.unsubscribe();
  written += buffered.join('');
  console.log(`~ gaps between chunks: ${gaps.map((g) => `${g} ms`).join(', ')}`);
  Event.publish('upload.finished', { chunks: received.length, text: written });
}
