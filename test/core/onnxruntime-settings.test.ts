// configureOnnxRuntime: merged, validated, resolved against the page; reaches pool workers (the
// consumer projects' rollup build runs on it: test/consumers/rollup/src/configure.js).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { configureOnnxRuntime, onnxRuntimeSettings } from '../../src/core/onnxruntime-settings.ts';
import { isSpecialistError } from '../../src/core/errors.ts';

it('merges fields, keeps Node paths as given, resolves relative URLs against a page', () => {
  configureOnnxRuntime({ wasmPaths: '/srv/ort/' });
  configureOnnxRuntime({ moduleUrl: 'https://cdn.example/ort.mjs' });
  assert.deepEqual(onnxRuntimeSettings(), { wasmPaths: '/srv/ort/', moduleUrl: 'https://cdn.example/ort.mjs' });
  const g = globalThis as { location?: { href: string } };
  g.location = { href: 'https://app.example/deep/page.html' };
  try {
    configureOnnxRuntime({ wasmPaths: { 'ort-wasm-simd-threaded.jsep.wasm': 'static/x.wasm' } });
    assert.deepEqual(onnxRuntimeSettings().wasmPaths, { 'ort-wasm-simd-threaded.jsep.wasm': 'https://app.example/deep/static/x.wasm' });
    configureOnnxRuntime({ wasmPaths: '/ort/' });
    assert.equal(onnxRuntimeSettings().wasmPaths, 'https://app.example/ort/');
  } finally {
    delete g.location;
  }
  const copy = onnxRuntimeSettings();
  copy.moduleUrl = 'changed';
  assert.equal(onnxRuntimeSettings().moduleUrl, 'https://cdn.example/ort.mjs');
});

it('bad settings are INVALID_ARGUMENT naming the field, and change nothing', () => {
  const before = onnxRuntimeSettings();
  for (const bad of [null, 5, { wasmPaths: 3 }, { wasmPaths: '' }, { moduleUrl: {} }, { wasmPaths: { 'a.wasm': 7 } }]) {
    assert.throws(() => configureOnnxRuntime(bad as never), (e) => isSpecialistError(e, 'INVALID_ARGUMENT'), JSON.stringify(bad));
  }
  assert.deepEqual(onnxRuntimeSettings(), before);
});
