// Guards against a refactor that silently loses vectorisation: decode each compiled module (with
// binaryen, from the very bytes the SDK embeds) and require vector instructions inside the loops
// reachable from every exported kernel. The scalar build must hold none, the relaxed build must use
// relaxed instructions.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import binaryen from 'binaryen';
import { embeddedKernelBytes, type KernelBuild } from '../../src/kernels/builds.ts';

interface Func { name: string; text: string }

function decode(build: KernelBuild): { funcs: Map<string, Func>; exports: Map<string, string> } {
  const module = binaryen.readBinaryWithFeatures(embeddedKernelBytes(build), binaryen.Features.All);
  const text = module.emitText();
  module.dispose();
  const funcs = new Map<string, Func>();
  const exports = new Map<string, string>();
  for (const m of text.matchAll(/\(export "(\w+)" \(func (\$[\w.]+)\)\)/g)) exports.set(m[1], m[2]);
  const starts = [...text.matchAll(/^ \(func (\$[\w.]+)/gm)];
  starts.forEach((m, i) => {
    const end = i + 1 < starts.length ? starts[i + 1].index : text.length;
    funcs.set(m[1], { name: m[1], text: text.slice(m.index, end) });
  });
  return { funcs, exports };
}

/** Bodies of every `(loop ...)` form, by balanced parentheses. */
function loops(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\(loop/g)) {
    let depth = 0;
    for (let i = m.index; i < text.length; i++) {
      if (text[i] === '(') depth++;
      else if (text[i] === ')' && --depth === 0) {
        out.push(text.slice(m.index, i + 1));
        break;
      }
    }
  }
  return out;
}

function reachable(funcs: Map<string, Func>, root: string): Func[] {
  const seen = new Set<string>([root]);
  const queue = [root];
  while (queue.length > 0) {
    for (const m of funcs.get(queue.pop()!)!.text.matchAll(/\(call (\$[\w.]+)/g)) {
      if (!seen.has(m[1])) {
        seen.add(m[1]);
        queue.push(m[1]);
      }
    }
  }
  return [...seen].map((name) => funcs.get(name)!);
}

const VECTOR_OP = /\b(v128|f32x4|f64x2|i32x4)\.\w+/;

describe('compiled kernels keep their vector loops', () => {
  for (const build of ['simd', 'relaxed-simd'] as const) {
    it(`${build}: a loop reachable from every kernel export runs v128 instructions`, () => {
      const { funcs, exports } = decode(build);
      assert.ok(exports.size >= 7, 'the kernel exports were found');
      for (const [kernel, root] of exports) {
        const vectorLoops = reachable(funcs, root).flatMap((f) => loops(f.text)).filter((l) => VECTOR_OP.test(l));
        assert.ok(vectorLoops.length > 0, `${build} ${kernel}: no loop with v128 instructions`);
      }
    });
  }

  it('relaxed-simd: the distance and multiply loops use relaxed instructions', () => {
    const { funcs, exports } = decode('relaxed-simd');
    for (const [kernel, op] of [['pairwiseMaxNorm', 'f32x4.relaxed_max'], ['knnDistance', 'f32x4.relaxed_max'], ['gemm', 'f32x4.relaxed_madd']]) {
      const hot = reachable(funcs, exports.get(kernel)!).flatMap((f) => loops(f.text));
      assert.ok(hot.some((l) => l.includes(op)), `${kernel} lacks ${op} in its loops`);
    }
  });

  it('scalar: no vector instruction at all (it must run where SIMD does not)', () => {
    const { funcs } = decode('scalar');
    for (const f of funcs.values()) assert.ok(!VECTOR_OP.test(f.text), `${f.name} holds a vector instruction`);
  });
});
