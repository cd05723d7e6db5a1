// Checks the relative links of Markdown pages: the file or folder exists inside the repository and,
// for a link into a Markdown page, the anchor is one of its headings (or an explicit id). Links with
// a scheme (https:, mailto:) are left alone: the tests run without a network.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { anchors, links } from './markdown.ts';

/** README.md and every Markdown page under docs/ and examples/ (not in node_modules), relative to root. */
export function markdownFiles(root: string): string[] {
  const pages = (dir: string) =>
    existsSync(join(root, dir))
      ? readdirSync(join(root, dir), { recursive: true })
          .map(String)
          .filter((f) => f.endsWith('.md') && !f.split(sep).includes('node_modules'))
          .map((f) => join(dir, f))
          .sort()
      : [];
  return ['README.md', ...pages('docs'), ...pages('examples')].filter((f) => existsSync(join(root, f)));
}

/** One line per broken link: 'file:line: target: why'. */
export function brokenLinks(root: string, files: string[]): string[] {
  const problems: string[] = [];
  const anchorCache = new Map<string, Set<string>>();
  const anchorsOf = (file: string) => {
    if (!anchorCache.has(file)) anchorCache.set(file, anchors(readFileSync(file, 'utf8')));
    return anchorCache.get(file)!;
  };
  const top = resolve(root);
  for (const file of files) {
    const path = resolve(top, file);
    for (const { line, target } of links(readFileSync(path, 'utf8'))) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue;
      const report = (why: string) => problems.push(`${file}:${line}: ${target}: ${why}`);
      const hash = target.indexOf('#');
      const rawPath = hash < 0 ? target : target.slice(0, hash);
      const anchor = hash < 0 ? '' : decodeURIComponent(target.slice(hash + 1));
      let decoded: string;
      try {
        decoded = decodeURIComponent(rawPath.split('?')[0]);
      } catch {
        report('not a valid URL');
        continue;
      }
      // '/x' is relative to the repository root, as GitHub reads it.
      const dest = decoded === '' ? path : decoded.startsWith('/') ? join(top, decoded) : resolve(dirname(path), decoded);
      if (dest !== top && !dest.startsWith(top + sep)) {
        report(`points outside the repository (${relative(top, dest)})`);
        continue;
      }
      if (!existsSync(dest)) {
        report('no such file');
        continue;
      }
      if (anchor && statSync(dest).isFile() && dest.endsWith('.md') && !anchorsOf(dest).has(anchor)) report(`no heading or id #${anchor} in ${relative(top, dest)}`);
    }
  }
  return problems;
}
