// CommonJS consumers: require() of the ES module package (Node >= 20.19, see the engines field).
const sdk = require('specialist-sdk');
const runtime = require('specialist-sdk/deploy');
console.log(JSON.stringify({ WorkerPool: typeof sdk.WorkerPool, SpecialistRuntime: typeof runtime.SpecialistRuntime }));
