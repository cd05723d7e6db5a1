// The parts of Markdown the docs checks need: GitHub's heading anchors, the links of a page
// (inline, reference definitions, images and HTML href/src, outside code), and code-span escaping.

/** Lines outside fenced code blocks, with their 1-based numbers. */
export function proseLines(markdown: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let fence: string | null = null;
  markdown.split('\n').forEach((text, i) => {
    const marker = /^\s{0,3}(`{3,}|~{3,})/.exec(text)?.[1];
    if (marker && (fence === null || (marker[0] === fence[0] && marker.length >= fence.length))) {
      fence = fence === null ? marker : null;
      return;
    }
    if (fence === null) out.push({ line: i + 1, text });
  });
  return out;
}

const withoutCodeSpans = (text: string) => text.replace(/(`+)[\s\S]*?\1/g, (m) => ' '.repeat(m.length));

/**
 * GitHub's anchor for a heading: inline markup dropped (code ticks, emphasis, link targets), lower
 * case, every character but letters, digits, marks, spaces, '-' and '_' removed, spaces to '-'.
 */
export function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/[`*]/g, '')
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

/** The anchors a page offers: its headings (repeats get -1, -2, ...) and explicit id/name attributes. */
export function anchors(markdown: string): Set<string> {
  const found = new Set<string>();
  const seen = new Map<string, number>();
  for (const { text } of proseLines(markdown)) {
    const h = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(text);
    if (h) {
      const base = slug(h[1]);
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      found.add(n ? `${base}-${n}` : base);
    }
    for (const m of text.matchAll(/<[a-z]+[^>]*\s(?:id|name)="([^"]+)"/gi)) found.add(m[1]);
  }
  return found;
}

export interface Link {
  line: number;
  target: string;
}

/** Every link target of a page outside code: [text](target), ![alt](src), [id]: target, href/src="". */
export function links(markdown: string): Link[] {
  const out: Link[] = [];
  for (const { line, text } of proseLines(markdown)) {
    const prose = withoutCodeSpans(text);
    const add = (target: string) => out.push({ line, target: target.trim().replace(/^<|>$/g, '') });
    for (const m of prose.matchAll(/\]\(\s*(<[^>]*>|[^\s)]+)(?:\s+"[^"]*")?\s*\)/g)) add(m[1]);
    const definition = /^\s{0,3}\[[^\]]+\]:\s*(\S+)/.exec(prose);
    if (definition) add(definition[1]);
    for (const m of prose.matchAll(/\s(?:href|src)="([^"]*)"/g)) add(m[1]);
  }
  return out;
}

/** Text for a Markdown table cell: one line, pipes escaped. */
export const cell = (text: string) => text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|').trim();

/** Inline code that survives any backticks inside and sits in a table cell. */
export function code(text: string): string {
  const t = cell(text);
  return t.includes('`') ? `\`\` ${t} \`\`` : `\`${t}\``;
}

/** Prose from a doc comment: '<' outside code spans escaped, so `Tensor<X>` in text stays visible. */
export function prose(text: string): string {
  return text
    .split(/(`+[^`]*`+)/g)
    .map((part, i) => (i % 2 ? part : part.replace(/</g, '&lt;')))
    .join('');
}
