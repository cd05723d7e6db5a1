// Class-coded targets: found where a task's targets take few distinct vectors (and only there),
// whitened as their classes with an exact way back to the codes, and learnt so that classes whose
// codes nearly coincide are still told apart by the fitted head.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createRng } from '../../src/core/random.ts';
import { classCodes, MAX_CLASSES, whitenClasses } from '../../src/specialist/class-targets.ts';
import { fitSpecialists } from '../../src/specialist/fit.ts';
import { kernelRidgeR2 } from '../../src/metrics/identifiability.ts';

it('few distinct target vectors over the member rows are class codes; continuous targets, too many classes or too few rows per class are not', () => {
  const rng = createRng(1);
  const codes = [[1, 2], [-1, 0.5], [0, -3]];
  const rows = 200;
  const labels = Array.from({ length: rows }, () => rng.int(3));
  const member = Uint8Array.from({ length: rows }, (_, r) => Number(r % 10 !== 0));
  // Non-member rows hold another value: they do not count.
  const y = Float32Array.from(labels.flatMap((c, r) => (member[r] ? codes[c] : [9, 9])));
  const found = classCodes(y, 2, member)!;
  assert.equal(found.classes, 3);
  labels.forEach((c, r) => assert.deepEqual(member[r] ? Array.from(found.codes.subarray(found.labels[r] * 2, found.labels[r] * 2 + 2)) : [], member[r] ? codes[c].map(Math.fround) : []));
  assert.equal(found.labels[0], -1);
  assert.equal(classCodes(Float32Array.from({ length: rows * 2 }, () => rng.normal()), 2, member), null, 'continuous');
  const many = MAX_CLASSES + 1;
  assert.equal(classCodes(Float32Array.from({ length: 100 * many }, (_, r) => r % many), 1, new Uint8Array(100 * many).fill(1)), null, 'too many classes');
  assert.equal(classCodes(Float32Array.from({ length: 25 }, (_, r) => r % 3), 1, new Uint8Array(25).fill(1)), null, 'under 10 rows per class');
});

it('whitened classes: K - 1 directions of unit variance, uncorrelated, and the way back gives the codes exactly', () => {
  const rng = createRng(2);
  const K = 5, dy = 3, rows = 400;
  const codes = Array.from({ length: K }, () => Array.from({ length: dy }, () => rng.normal()));
  const member = new Uint8Array(rows).fill(1);
  const raw = Array.from({ length: rows }, () => codes[Math.min(K - 1, Math.floor(rng.next() * rng.next() * 2 * K))]);
  // Standardised targets (as fitSpecialists hands them over): zero mean over the member rows.
  const mean = Array.from({ length: dy }, (_, a) => raw.reduce((s, v) => s + v[a], 0) / rows);
  const y = Float32Array.from(raw.flatMap((v) => v.map((x, a) => x - mean[a])));
  const w = whitenClasses(y, dy, member)!;
  assert.equal(w.kept, K - 1);
  for (let a = 0; a < w.kept; a++) {
    for (let b = 0; b < w.kept; b++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s += w.y[r * w.kept + a] * w.y[r * w.kept + b];
      assert.ok(Math.abs(s / rows - (a === b ? 1 : 0)) < 1e-4, `second moment [${a}, ${b}] = ${s / rows}`);
    }
  }
  for (let r = 0; r < rows; r++) {
    for (let a = 0; a < dy; a++) {
      let back = 0;
      for (let j = 0; j < w.kept; j++) back += w.y[r * w.kept + j] * w.unwhiten[j * dy + a];
      assert.ok(Math.abs(back - y[r * dy + a]) < 1e-4, `row ${r}, output ${a}: ${back} vs ${y[r * dy + a]}`);
    }
  }
});

it('classes whose codes nearly coincide are told apart: the block keeps what separates them', async () => {
  // Four classes from the signs of two latent coordinates, coded on one line where classes 0 and 1
  // (and 2 and 3) lie 0.05 apart: as codes, the second sign is worth 0.03% of the variance, and a
  // fit on the codes themselves (whitenTargets: false) drops it (measured: support of 1, R² 0.32
  // to the class, 0.00 to the second sign).
  const rng = createRng(3);
  const n = 3000, d = 6;
  const code = [0, 0.05, 3, 3.05];
  const draw = (rows: number) => {
    const z = Float32Array.from({ length: rows * d }, () => rng.normal());
    return { z: { data: z, shape: [rows, d] }, label: Array.from({ length: rows }, (_, r) => 2 * Number(z[r * d] > 0) + Number(z[r * d + 1] > 0)) };
  };
  const train = draw(n);
  const heads = await fitSpecialists(train.z, { data: Float32Array.from(train.label, (c) => code[c]), shape: [n, 1, 1] }, { epochs: 30, seed: 1 });
  const test = draw(1500);
  const oneHot = { data: Float32Array.from(test.label.flatMap((c) => [0, 1, 2, 3].map((k) => Number(k === c)))), shape: [1500, 4] };
  const r2 = kernelRidgeR2(heads.transform(test.z, 0), oneHot).mean;
  assert.ok(r2 > 0.9, `held-out R² from the block to the class: ${r2}`);
});
