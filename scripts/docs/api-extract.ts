// Reads the public API from the TypeScript sources with the compiler API: every name the entries
// export (src/index.ts and src/lab.ts under their comment headings, then what src/node.ts and
// src/deploy.ts add),
// its declaration without bodies, its doc comment, its members, and the other documented names its
// declaration refers to. Unexported types that public declarations use are collected too, so the
// reference can show what `Correction` or `Definitions` is.
import { dirname, relative, resolve } from 'node:path';
import ts from 'typescript';

export type ItemKind = 'function' | 'class' | 'interface' | 'type' | 'const';

export interface ApiMember {
  /** Name as written, `?` for optional ones (a constructor is `constructor`). */
  name: string;
  /** Property: its type; method or constructor: its signature; class member: the whole line. */
  signature: string;
  doc: string;
}

export interface ApiItem {
  name: string;
  kind: ItemKind;
  /** Section (heading) it is documented under. */
  section: string;
  /** Declaring file, relative to the repository root. */
  source: string;
  /** Declaration(s) without bodies or `export`. */
  signatures: string[];
  /** A type alias's type spelled out, when that says more than its declaration (e.g. `keyof X`). */
  resolved?: string;
  doc: string;
  tags: { name: string; text: string }[];
  members: ApiMember[];
  /** Names (documented items) its declaration refers to. */
  refs: string[];
  /** False for a type the public API uses but no entry exports. */
  exported: boolean;
}

export interface ApiEntry {
  /** Entry file, e.g. 'src/index.ts'. */
  file: string;
  /** Every name it exports, in source order. */
  names: string[];
}

export interface ApiModel {
  entries: ApiEntry[];
  /** Section titles in order. */
  sections: string[];
  items: ApiItem[];
}

/** Section of the types that exported declarations use but no entry exports. */
export const UNEXPORTED = 'Types the API uses but does not export';

/** Entries whose `//` headings name sections; the lab entry's sections are prefixed with this. */
const SECTIONED: Record<string, string> = { 'src/index.ts': '', 'src/lab.ts': 'Lab: ' };

const NO_TRUNCATION = ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseSingleQuotesForStringLiteralType;
const squash = (s: string) => s.replace(/\s+/g, ' ').replace(/\(\s+/g, '(').replace(/,?\s+\)/g, ')').trim();

function program(root: string, entries: string[]): ts.Program {
  const configPath = resolve(root, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, dirname(configPath));
  return ts.createProgram(entries.map((e) => resolve(root, e)), { ...parsed.options, noEmit: true });
}

/** The `//` comment lines right before a statement (after any blank line), as one line without the final period. */
function heading(statement: ts.Statement, text: string): string | undefined {
  let lines: string[] = [];
  let end = -1;
  for (const r of ts.getLeadingCommentRanges(text, statement.getFullStart()) ?? []) {
    if (r.kind !== ts.SyntaxKind.SingleLineCommentTrivia) continue;
    if (end >= 0 && /\n\s*\n/.test(text.slice(end, r.pos))) lines = [];
    lines.push(text.slice(r.pos + 2, r.end).trim());
    end = r.end;
  }
  return lines.length ? lines.join(' ').replace(/\.$/, '') : undefined;
}

function docOf(symbol: ts.Symbol, checker: ts.TypeChecker): { doc: string; tags: ApiItem['tags'] } {
  return {
    doc: ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim(),
    tags: symbol.getJsDocTags(checker).map((t) => ({ name: t.name, text: ts.displayPartsToString(t.text ?? []).trim() })),
  };
}

/** Source text of a declaration from its first keyword to its body, without export / async / default. */
function header(node: ts.Node, body: ts.Node | undefined): string {
  const text = node.getText();
  const head = body ? text.slice(0, body.getStart() - node.getStart()) : text;
  return squash(head.replace(/^(export\s+|default\s+|declare\s+|async\s+)+/, '').replace(/[;{]\s*$/, ''));
}

/** Whether a type is computed (keyof, T[K], typeof, conditional, mapped): then its value is worth spelling out. */
function computes(node: ts.Node): boolean {
  if ((ts.isTypeOperatorNode(node) && node.operator !== ts.SyntaxKind.ReadonlyKeyword) || ts.isIndexedAccessTypeNode(node) || ts.isTypeQueryNode(node) || ts.isConditionalTypeNode(node) || ts.isMappedTypeNode(node)) return true;
  return ts.forEachChild(node, computes) ?? false;
}

function kindOf(decl: ts.Declaration): ItemKind | undefined {
  if (ts.isFunctionDeclaration(decl)) return 'function';
  if (ts.isClassDeclaration(decl)) return 'class';
  if (ts.isInterfaceDeclaration(decl)) return 'interface';
  if (ts.isTypeAliasDeclaration(decl)) return 'type';
  if (ts.isVariableDeclaration(decl)) return 'const';
  return undefined;
}

const isHidden = (m: ts.ClassElement) =>
  (ts.getCombinedModifierFlags(m as ts.Declaration) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) !== 0 || (m.name !== undefined && ts.isPrivateIdentifier(m.name));

function interfaceMembers(decl: ts.InterfaceDeclaration, checker: ts.TypeChecker): ApiMember[] {
  return decl.members.map((m) => {
    const symbol = m.name ? checker.getSymbolAtLocation(m.name) : undefined;
    const doc = symbol ? docOf(symbol, checker).doc : '';
    const name = m.name ? m.name.getText() + (m.questionToken ? '?' : '') : '';
    if (ts.isPropertySignature(m)) return { name, signature: squash(m.type?.getText() ?? 'any'), doc };
    if (ts.isMethodSignature(m)) return { name, signature: squash(m.getText().slice(m.name.getEnd() - m.getStart()).replace(/^\?/, '').replace(/;$/, '')), doc };
    return { name: squash(m.getText().replace(/;$/, '')), signature: '', doc };
  });
}

function classMembers(decl: ts.ClassDeclaration, checker: ts.TypeChecker): ApiMember[] {
  const out: ApiMember[] = [];
  const members = decl.members.filter((m) => !isHidden(m) && !ts.isClassStaticBlockDeclaration(m) && !ts.isSemicolonClassElement(m));
  for (const m of members) {
    const body = (m as ts.FunctionLikeDeclaration).body;
    // An implementation behind overloads is not part of the API.
    if (body && (ts.isMethodDeclaration(m) || ts.isConstructorDeclaration(m)) && members.some((o) => o !== m && o.kind === m.kind && o.name?.getText() === m.name?.getText())) continue;
    const symbol = m.name ? checker.getSymbolAtLocation(m.name) : undefined;
    const doc = ts.isConstructorDeclaration(m) ? ts.displayPartsToString(checker.getSignatureFromDeclaration(m)?.getDocumentationComment(checker) ?? []).trim() : symbol ? docOf(symbol, checker).doc : '';
    const modifiers = ts.canHaveModifiers(m) ? (ts.getModifiers(m) ?? []) : [];
    const kept = modifiers.map((x) => x.getText()).filter((t) => t === 'static' || t === 'readonly' || t === 'abstract');
    const afterModifiers = modifiers.length ? modifiers[modifiers.length - 1].getEnd() : m.getStart();
    const full = m.getText();
    const end = body ? body.getStart() - m.getStart() : full.length;
    let line = squash([...kept, full.slice(afterModifiers - m.getStart(), end).replace(/[;{]\s*$/, '')].join(' '));
    if (ts.isPropertyDeclaration(m) && m.initializer) {
      const type = m.type?.getText() ?? checker.typeToString(checker.getTypeAtLocation(m), m, NO_TRUNCATION);
      line = squash(`${line.slice(0, line.indexOf('=')).replace(/:.*$/, '').trim()}: ${type}`);
    }
    out.push({ name: ts.isConstructorDeclaration(m) ? 'constructor' : (m.name?.getText() ?? ''), signature: line, doc });
  }
  return out;
}

/** Type references in a declaration's public surface: no bodies, initialisers or private members. */
function referencedSymbols(node: ts.Node, checker: ts.TypeChecker): ts.Symbol[] {
  const found: ts.Symbol[] = [];
  const visit = (n: ts.Node) => {
    if (ts.isBlock(n) || (ts.isClassElement(n) && isHidden(n))) return;
    if (ts.isPropertyDeclaration(n) || ts.isVariableDeclaration(n)) {
      // The declared type, not the initialiser (a const without one is described by its type).
      if (n.type) visit(n.type);
      return;
    }
    if (ts.isTypeReferenceNode(n) || ts.isExpressionWithTypeArguments(n) || ts.isTypeQueryNode(n)) {
      const name = ts.isTypeReferenceNode(n) ? n.typeName : ts.isTypeQueryNode(n) ? n.exprName : n.expression;
      let s = checker.getSymbolAtLocation(name);
      if (s && s.flags & ts.SymbolFlags.Alias) s = checker.getAliasedSymbol(s);
      if (s) found.push(s);
    }
    ts.forEachChild(n, visit);
  };
  visit(node);
  return found;
}

export function extractApi(root: string, entryFiles = ['src/index.ts', 'src/node.ts', 'src/deploy.ts', 'src/lab.ts']): ApiModel {
  const prog = program(root, entryFiles);
  const checker = prog.getTypeChecker();
  const items: ApiItem[] = [];
  const bySymbol = new Map<ts.Symbol, ApiItem>();
  const sections: string[] = [];
  const entries: ApiEntry[] = [];

  const describe = (symbol: ts.Symbol, name: string, section: string, exported: boolean): ApiItem => {
    const decls = (symbol.declarations ?? []).filter((d) => kindOf(d));
    if (!decls.length) throw new Error(`${name}: no declaration the reference can describe`);
    const kind = kindOf(decls[0])!;
    const first = decls[0];
    let signatures: string[];
    let members: ApiMember[] = [];
    let resolved: string | undefined;
    if (kind === 'function') {
      const fns = decls as ts.FunctionDeclaration[];
      const overloads = fns.filter((f) => !f.body);
      signatures = (overloads.length ? overloads : fns).map((f) => header(f, f.body));
    } else if (kind === 'class') {
      const c = first as ts.ClassDeclaration;
      signatures = [squash(c.getText().slice(0, c.getText().indexOf('{')).replace(/^(export\s+|default\s+)+/, ''))];
      members = classMembers(c, checker);
    } else if (kind === 'interface') {
      const i = first as ts.InterfaceDeclaration;
      signatures = [squash(i.getText().slice(0, i.getText().indexOf('{')).replace(/^export\s+/, ''))];
      members = interfaceMembers(i, checker);
    } else if (kind === 'type') {
      const alias = first as ts.TypeAliasDeclaration;
      signatures = [alias.getText().replace(/^export\s+/, '').replace(/;$/, '')];
      const spelled = !alias.typeParameters && computes(alias.type) ? checker.typeToString(checker.getDeclaredTypeOfSymbol(symbol), alias, NO_TRUNCATION | ts.TypeFormatFlags.InTypeAlias) : '';
      // Past a few lines (the kernel definitions' type) it is no longer an answer.
      if (spelled && spelled.length <= 600) resolved = spelled;
    } else {
      const v = first as ts.VariableDeclaration;
      const type = v.type?.getText() ?? checker.typeToString(checker.getTypeAtLocation(v), v, NO_TRUNCATION);
      signatures = [`const ${name}: ${squash(type)}`];
    }
    const source = relative(root, first.getSourceFile().fileName);
    const item: ApiItem = { name, kind, section, source, signatures, resolved, members, refs: [], exported, ...docOf(symbol, checker) };
    items.push(item);
    bySymbol.set(symbol, item);
    return item;
  };

  for (const file of entryFiles) {
    const sf = prog.getSourceFile(resolve(root, file))!;
    const names: string[] = [];
    const sectioned = file in SECTIONED;
    let section = sectioned ? `${SECTIONED[file]}Core` : `Only in ${file}`;
    for (const statement of sf.statements) {
      if (!ts.isExportDeclaration(statement)) continue;
      if (!statement.exportClause) {
        // `export * from`: the names of the other module, documented there.
        const target = checker.getSymbolAtLocation(statement.moduleSpecifier!);
        names.push(...(target ? checker.getExportsOfModule(target).map((s) => s.name) : []));
        continue;
      }
      if (sectioned) {
        const title = heading(statement, sf.text);
        if (title) section = SECTIONED[file] + title;
      }
      for (const spec of (statement.exportClause as ts.NamedExports).elements) {
        const name = spec.name.text;
        names.push(name);
        let symbol = checker.getSymbolAtLocation(spec.name)!;
        if (symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
        const known = bySymbol.get(symbol);
        if (known && known.name !== name) throw new Error(`${file} exports ${known.name} again as ${name}: the reference documents one name per declaration`);
        if (known) continue;
        if (!sections.includes(section)) sections.push(section);
        describe(symbol, name, section, true);
      }
    }
    entries.push({ file, names });
  }

  // References, and the unexported types that exported declarations use (one level: enough to say
  // what a union or an options interface holds; their own references are linked, not described).
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const symbol = [...bySymbol].find(([, v]) => v === item)![0];
    const refs = new Set<string>();
    for (const decl of symbol.declarations ?? []) {
      for (const s of referencedSymbols(decl, checker)) {
        if (s === symbol) continue;
        let target = bySymbol.get(s);
        const declared = s.declarations?.[0];
        const inSource = declared && !relative(root, declared.getSourceFile().fileName).startsWith('..') && !declared.getSourceFile().fileName.includes('node_modules');
        // Types only: a value a type is computed from (`typeof definitions`) is an implementation
        // detail, and the computed type is spelled out where it is short.
        const isType = (s.declarations ?? []).some((d) => kindOf(d) && kindOf(d) !== 'const');
        if (!target && item.exported && inSource && !(s.flags & ts.SymbolFlags.TypeParameter) && isType) {
          if (!sections.includes(UNEXPORTED)) sections.push(UNEXPORTED);
          target = describe(s, s.name, UNEXPORTED, false);
        }
        if (target) refs.add(target.name);
      }
    }
    item.refs = [...refs].sort();
  }
  return { entries, sections, items };
}
