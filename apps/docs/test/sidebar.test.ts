/**
 * Every page of the site is reachable from the sidebar, and every sidebar and nav link names a
 * page that exists (the API reference is TypeDoc's, checked by the site test). No build needed:
 * the config and the Markdown sources are read directly.
 */
import { readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import config from '../site/.vitepress/config.mjs';

const siteDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'site');

interface Item { link?: string; items?: Item[] }

/** Every link of a sidebar or nav tree. */
function links(items: readonly Item[]): string[] {
  return items.flatMap((i) => [...(i.link ? [i.link] : []), ...links(i.items ?? [])]);
}

/** The route of a Markdown page: guide/backends.md → /guide/backends, demo/index.md → /demo/. */
function route(file: string): string {
  const path = '/' + relative(siteDir, file).split('\\').join('/').replace(/\.md$/, '');
  return path.endsWith('/index') ? path.slice(0, -'index'.length) : path;
}

const pages = readdirSync(siteDir, { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile() && e.name.endsWith('.md') && !e.parentPath.includes('node_modules') && !e.parentPath.includes(`${join('.vitepress', '')}`))
  .map((e) => route(join(e.parentPath, e.name)))
  .filter((r) => r !== '/'); // the home page is the site title's link
const theme = config.themeConfig as { sidebar: Item[]; nav: Item[] };
const normalize = (link: string) => link.replace(/\.html$/, '').replace(/#.*$/, '');

describe('the sidebar', () => {
  it('links every guide, experiment and other page', () => {
    expect(pages.filter((p) => p.startsWith('/guide/')).length).toBeGreaterThanOrEqual(6);
    expect(pages.filter((p) => p.startsWith('/experiments/')).length).toBeGreaterThanOrEqual(3);
    const linked = new Set(links(theme.sidebar).map(normalize));
    expect(pages.filter((p) => !linked.has(p))).toEqual([]);
  });

  it('and the nav link only to pages that exist (or the API reference)', () => {
    const known = new Set([...pages, '/']);
    const dangling = [...links(theme.sidebar), ...links(theme.nav)]
      .filter((l) => !l.startsWith('/api/'))
      .filter((l) => !known.has(normalize(l)));
    expect(dangling).toEqual([]);
  });
});
