// `npm run docs:api`: writes the API reference (docs/api/*.md) from the TypeScript sources.
// `--check` writes nothing and exits 1 when a committed page differs, is missing or is left over.
import { readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractApi } from './api-extract.ts';
import { renderApi } from './api-render.ts';

export const API_DIR = 'docs/api';

/** The reference's pages by file name, for the package named in package.json. */
export function apiPages(root: string): Map<string, string> {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).name as string;
  return renderApi(extractApi(root), pkg);
}

/** Differences between the pages and what docs/api holds: one line per stale, missing or extra page. */
export function staleApiPages(root: string, pages = apiPages(root)): string[] {
  const dir = join(root, API_DIR);
  const present = readdirSync(dir).filter((f) => f.endsWith('.md'));
  const problems = present.filter((f) => !pages.has(f)).map((f) => `${API_DIR}/${f}: no longer generated`);
  for (const [file, text] of pages) {
    if (!present.includes(file)) problems.push(`${API_DIR}/${file}: missing`);
    else if (readFileSync(join(dir, file), 'utf8') !== text) problems.push(`${API_DIR}/${file}: out of date`);
  }
  return problems;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = process.cwd();
  const pages = apiPages(root);
  if (process.argv.includes('--check')) {
    const problems = staleApiPages(root, pages);
    for (const p of problems) console.error(p);
    if (problems.length) console.error('Run `npm run docs:api` to regenerate.');
    process.exit(problems.length ? 1 : 0);
  }
  const dir = join(root, API_DIR);
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(dir)) if (f.endsWith('.md') && !pages.has(f)) rmSync(join(dir, f));
  for (const [file, text] of pages) writeFileSync(join(dir, file), text);
  console.log(`wrote ${pages.size} pages to ${API_DIR}/`);
}
