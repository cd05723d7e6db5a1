// Type-level tests of the public surface (test/surface-cases.ts): the wrong argument order, a
// Matrix where a Tensor is due, options that do not exist, the old progress shape and raw pointers
// are compile errors with the expected code, and the correct calls compile. Compiled with the
// repository's tsconfig.json, twice: as written (no error left, no directive unused), and with the
// `@ts-expect-error` directives blanked out (each marked line fails with its code, no other line does).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { it } from 'node:test';
import ts from 'typescript';

const CASES = resolve('test/surface-cases.ts');
const DIRECTIVE = /^\s*\/\/ @ts-expect-error (TS\d+)/;
const AMBIENT = readdirSync('src/types').map((f) => resolve('src/types', f));

function compilerOptions(): ts.CompilerOptions {
  const config = ts.readConfigFile('tsconfig.json', ts.sys.readFile);
  return ts.parseJsonConfigFileContent(config.config, ts.sys, '.').options;
}

/** Errors in the cases file, as `line: TSnnnn` (1-based lines), when it reads `text`. */
function errorsOf(text: string, options: ts.CompilerOptions, old?: ts.Program): { errors: string[]; program: ts.Program } {
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, ...rest) =>
    resolve(name) === CASES ? ts.createSourceFile(name, text, language, true) : getSourceFile(name, language, ...rest);
  // The ambient declarations of src/types/ come in as the tsconfig's include brings them.
  const program = ts.createProgram([CASES, ...AMBIENT], options, host, old);
  const errors = ts
    .getPreEmitDiagnostics(program)
    .map((d) => {
      const where = d.file ? `${resolve(d.file.fileName) === CASES ? '' : `${d.file.fileName} `}${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : 'global';
      return `${where}: TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, ' ').slice(0, 160)}`;
    });
  return { errors, program };
}

it('the public surface refuses the wrong argument order, a Matrix for a Tensor, options that do not exist; correct calls compile', () => {
  const options = compilerOptions();
  const text = readFileSync(CASES, 'utf8');
  const lines = text.split('\n');
  const expected = lines.flatMap((line, i) => (DIRECTIVE.test(line) ? [`${i + 2}: ${line.match(DIRECTIVE)![1]}`] : []));
  assert.ok(expected.length >= 20, `only ${expected.length} cases`);

  const written = errorsOf(text, options);
  assert.deepEqual(written.errors, [], 'as written, the cases compile (every directive used)');

  const blanked = lines.map((line) => (DIRECTIVE.test(line) ? '//' : line)).join('\n');
  const { errors } = errorsOf(blanked, options, written.program);
  // A line may raise its expected error more than once; compare the set of line: code pairs.
  const got = [...new Set(errors.map((e) => e.split(' ')[0] + ' ' + e.split(' ')[1]))];
  assert.deepEqual(
    got.filter((e) => !expected.includes(e)),
    [],
    `errors no directive expects:\n${errors.join('\n')}`,
  );
  assert.deepEqual(
    expected.filter((e) => !got.includes(e)),
    [],
    `directives whose line raised another error or none:\n${errors.join('\n')}`,
  );
});
