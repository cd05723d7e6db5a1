// Every relative link and anchor of README.md and docs/**/*.md resolves, and the checker itself
// finds what is broken (a missing file, a missing anchor, a link out of the repository) while
// leaving code, external links and real headings alone.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { brokenLinks, markdownFiles } from '../../scripts/docs/links.ts';
import { anchors, links, slug } from '../../scripts/docs/markdown.ts';

it('anchors follow GitHub: lower case, punctuation dropped, spaces to dashes, repeats numbered', () => {
  assert.equal(slug('Layer 1: which steps serve which task'), 'layer-1-which-steps-serve-which-task');
  assert.equal(slug('`WorkerPool` (class)'), 'workerpool-class');
  assert.equal(slug('I/O: NumPy .npy'), 'io-numpy-npy');
  assert.equal(slug('What `npm start` does'), 'what-npm-start-does');
  assert.equal(slug('snake_case and [a link](x.md)'), 'snake_case-and-a-link');
  const page = '# Title\n## Same\n```md\n## Not a heading\n```\n## Same\n<a id="custom"></a>\n';
  assert.deepEqual([...anchors(page)].sort(), ['custom', 'same', 'same-1', 'title']);
});

it('links are read from prose only: inline, images, definitions and HTML, not code', () => {
  const page = ['[a](a.md#x) and ![b](img/b.svg "title")', '`[not](code.md)`', '```', '[not](fenced.md)', '```', '[ref]: ref.md', '<img src="c.png">'].join('\n');
  assert.deepEqual(links(page).map((l) => `${l.line}:${l.target}`), ['1:a.md#x', '1:img/b.svg', '6:ref.md', '7:c.png']);
});

it('the checker reports missing files, missing anchors and links out of the repository', () => {
  const root = mkdtempSync(join(tmpdir(), 'links-'));
  try {
    mkdirSync(join(root, 'docs'));
    writeFileSync(join(root, 'docs', 'b.md'), '# B\n## Part two\n');
    writeFileSync(
      join(root, 'README.md'),
      ['[ok](docs/b.md#part-two) [ok](docs/) [ok](#top) [web](https://example.com/x.md)', '# Top', '[gone](docs/c.md)', '[bad anchor](docs/b.md#part-3)', '[out](../elsewhere.md)', '[self](#nowhere)'].join('\n'),
    );
    assert.deepEqual(brokenLinks(root, markdownFiles(root)), [
      'README.md:3: docs/c.md: no such file',
      'README.md:4: docs/b.md#part-3: no heading or id #part-3 in docs/b.md',
      `README.md:5: ../elsewhere.md: points outside the repository (${join('..', 'elsewhere.md')})`,
      'README.md:6: #nowhere: no heading or id #nowhere in README.md',
    ]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

it('README.md, docs/**/*.md and examples/**/*.md have no broken relative link or anchor', () => {
  const files = markdownFiles('.');
  for (const page of ['README.md', 'docs/guide.md', 'docs/api/README.md', 'examples/README.md', 'examples/edge/README.md']) assert.ok(files.includes(page), `${page} is not checked: ${files.join(', ')}`);
  assert.deepEqual(brokenLinks('.', files), []);
});
