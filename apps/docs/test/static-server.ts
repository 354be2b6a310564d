import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.woff2': 'font/woff2', '.ico': 'image/x-icon', '.txt': 'text/plain',
};

/** Maps a URL path to a file under `root` the way a static host serves a VitePress build, or null. */
export function resolveFile(root: string, urlPath: string): string | null {
  const decoded = decodeURIComponent(urlPath);
  const file = normalize(join(root, decoded));
  if (file !== root && !file.startsWith(root + sep)) return null; // no escaping the root
  for (const candidate of [file, join(file, 'index.html'), `${file}.html`]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return null;
}

export interface ServeOptions {
  /** extra response headers for a served file (e.g. a Content-Security-Policy) */
  headers?: (file: string) => Record<string, string>;
}

/** A tiny static file server on 127.0.0.1 (a random free port) for the built site. */
export async function serveStatic(root: string, options: ServeOptions = {}): Promise<{ origin: string; server: Server }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const file = resolveFile(root, path);
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}`);
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', ...options.headers?.(file) });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, server };
}
