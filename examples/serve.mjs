// A static file server for the example pages, with no dependency:
//   node ../serve.mjs [--port 8080] [--root .]
// serves the folder `root` (default: the current one) on http://127.0.0.1:PORT/ (port 0: any free
// port; the first line printed is the URL). It sends the COOP/COEP headers that make a page
// cross-origin isolated, so onnxruntime-web may use wasm threads (SharedArrayBuffer); any server
// that sends them will do.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.wasm': 'application/wasm',
};

const { values } = parseArgs({ options: { port: { type: 'string', default: '8080' }, root: { type: 'string', default: '.' } } });
const root = resolve(values.root);

const server = createServer(async (request, response) => {
  let path = normalize(decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname));
  if (path.endsWith(sep) || path.endsWith('/')) path = join(path, 'index.html');
  const file = join(root, path);
  if (file !== root && !file.startsWith(root + sep)) return void response.writeHead(403).end();
  try {
    const body = await readFile(file);
    response.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
      'cache-control': 'no-cache',
    });
    response.end(body);
  } catch {
    response.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}`);
  }
});

server.listen(Number(values.port), '127.0.0.1', () => console.log(`http://127.0.0.1:${server.address().port}/`));
