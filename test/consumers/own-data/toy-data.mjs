// A user's own toy data, made here and not by the SDK: n episodes of T = 6 steps; each step a 4-dim
// state s_t (fresh each step), observed as 16 numbers o_t = tanh(A s_t + b) + small noise; two tasks
// whose variables g_i (2 numbers each) sum the steps that serve them: task 0 reads state coordinates
// 0, 1 at steps 0-3 (segments 0, 1 of length 2), task 1 reads coordinates 2, 3 at steps 2-5
// (segments 1, 2). The truth: relation [[1,0],[1,1],[0,1]], blocks [0,1] and [2,3].
export const TRUTH = { segmentLength: 2, relation: [[1, 0], [1, 1], [0, 1]], blocks: [[0, 1], [2, 3]] };

/** Seeded uniform numbers in [0, 1) (mulberry32) and standard normals (Box-Muller). */
function random(seed) {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal };
}

/** { states [n, 6, 4], observations [n, 6, 16], tasks [n, 2, 2] } as Float32Arrays, and their shapes. */
export function toyData(n = 1500, seed = 7) {
  const T = 6, S = 4, D = 16, M = 2, G = 2;
  const rng = random(seed);
  const A = Array.from({ length: D * S }, () => rng.normal() * 0.6);
  const b = Array.from({ length: D }, () => rng.normal() * 0.3);
  const states = new Float32Array(n * T * S);
  const observations = new Float32Array(n * T * D);
  const tasks = new Float32Array(n * M * G);
  for (let e = 0; e < n; e++) {
    for (let t = 0; t < T; t++) {
      for (let j = 0; j < S; j++) {
        states[(e * T + t) * S + j] = rng.normal();
      }
      const s = states.subarray((e * T + t) * S, (e * T + t + 1) * S);
      for (let i = 0; i < D; i++) {
        let v = b[i];
        for (let j = 0; j < S; j++) v += A[i * S + j] * s[j];
        observations[(e * T + t) * D + i] = Math.tanh(v) + 0.01 * rng.normal();
      }
      // Each task's two numbers: a nonlinear reading of its two coordinates, summed over its steps.
      for (let task = 0; task < M; task++) {
        const served = task === 0 ? t < 4 : t >= 2;
        if (!served) continue;
        const [x, y] = task === 0 ? [s[0], s[1]] : [s[2], s[3]];
        tasks[(e * M + task) * G] += x + 0.3 * y * y;
        tasks[(e * M + task) * G + 1] += y - 0.3 * x * x;
      }
    }
    for (let k = 0; k < M * G; k++) tasks[e * M * G + k] += 0.3 * rng.normal();
  }
  return {
    states: { data: states, shape: [n, T, S] },
    observations: { data: observations, shape: [n, T, D] },
    tasks: { data: tasks, shape: [n, M, G] },
  };
}
