// A fit split over two workers gives the same bits as one thread; the exchange's join and failure
// paths (a late helper has nothing to do; a failed rank stops the other instead of leaving it waiting).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { fitSpecialists } from '../../src/specialist/fit.ts';
import { LocalExchange, SharedExchange, sharedExchangeBuffer } from '../../src/specialist/exchange.ts';
import { blocksWorld } from '../../src/synthetic/blocks-world.ts';
import { WorkerPool } from '../../src/worker/pool.ts';
import { expectCode } from '../helpers.ts';

it('a fit on two workers equals the fit on one thread, bit for bit, with progress from one rank', async () => {
  const n = 600;
  const world = blocksWorld({ n, seed: 5 });
  const latents = { data: world.z, shape: [n, world.dims] };
  const targets = { data: world.y, shape: [n, 3, world.signalDims] };
  const options = { epochs: 4, seed: 2, encoderWidths: [16], headWidth: 8 };
  const here = await fitSpecialists(latents, targets, options);
  const pool = await WorkerPool.create({ size: 2 });
  try {
    const epochs: number[] = [];
    const there = await fitSpecialists(latents, targets, options, { pool, onProgress: (p) => epochs.push(p.done) });
    assert.deepEqual(there.transform(latents).data, here.transform(latents).data);
    assert.deepEqual(there.supports, here.supports);
    assert.deepEqual(there.lambda, here.lambda);
    assert.deepEqual(epochs, epochs.map((_, i) => i + 1));
    await expectCode(() => fitSpecialists(latents, targets, { ...options, learningRate: -1 }, { pool }), 'INVALID_ARGUMENT', 'learningRate');
  } finally {
    await pool.close();
  }
  await expectCode(() => fitSpecialists(latents, targets, options, { pool: {} as never }), 'INVALID_ARGUMENT', 'pool');
});

it('exchange: a helper that arrives after rank 0 went on alone does nothing; rank 0 then computes both halves', () => {
  const buffer = sharedExchangeBuffer(4);
  const first = new SharedExchange(buffer, 0);
  assert.equal(first.join(1), true);
  assert.deepEqual(first.mine(), [0, 1]);
  assert.equal(new SharedExchange(buffer, 1).join(), false);
  // Alone, it averages like the one-thread exchange.
  const local = new LocalExchange();
  for (const x of [first, local]) {
    x.put(0, [Float32Array.of(1, 2), Float32Array.of(3)], 0.5);
    x.put(1, [Float32Array.of(3, 6), Float32Array.of(-1)], 1.5);
  }
  const a = [new Float32Array(2), new Float32Array(1)], b = [new Float32Array(2), new Float32Array(1)];
  assert.equal(first.reduce(a), 1);
  assert.equal(local.reduce(b), 1);
  assert.deepEqual(a, [Float32Array.of(2, 4), Float32Array.of(1)]);
  assert.deepEqual(b, a);
});

it('exchange: when one rank fails, the other stops with WORKER_FAILED instead of waiting', async () => {
  const buffer = sharedExchangeBuffer(2);
  const helper = new SharedExchange(buffer, 1);
  assert.equal(helper.join(), true);
  const lead = new SharedExchange(buffer, 0);
  assert.equal(lead.join(), true);
  assert.deepEqual(lead.mine(), [0]);
  lead.fail();
  helper.put(1, [Float32Array.of(1, 2)], 0);
  await expectCode(() => helper.reduce([new Float32Array(2)]), 'WORKER_FAILED', 'other worker');
});
