/**
 * Content-Security-Policy headers for serving the built site in the demo tests: a policy given as
 * directives, with the sha256 hashes of each HTML page's inline scripts (VitePress's own) added to
 * `script-src`, so the policy admits the site and nothing else inline.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** `'sha256-…'` sources for the inline (src-less) scripts of an HTML document. */
export function inlineScriptHashes(html: string): string[] {
  return [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].map((m) => `'sha256-${createHash('sha256').update(m[1]).digest('base64')}'`);
}

/**
 * A `headers` function for serveStatic: every response gets `policy` (directive → sources), HTML
 * pages with their inline scripts' hashes appended to script-src.
 */
export function cspHeaders(policy: Record<string, readonly string[]>): (file: string) => Record<string, string> {
  return (file) => {
    const hashes = file.endsWith('.html') ? inlineScriptHashes(readFileSync(file, 'utf8')) : [];
    const directives = Object.entries(policy).map(([name, sources]) => [name, ...sources, ...(name === 'script-src' ? hashes : [])].join(' '));
    return { 'content-security-policy': directives.join('; ') };
  };
}
