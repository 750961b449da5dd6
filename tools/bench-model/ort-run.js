// Runs an ONNX model with ONNX Runtime's CPU provider on .npy inputs and
// prints the median and best time of N calls after warm-up calls, and the
// largest absolute difference from an expected .npy output.
//
// usage: node ort-run.js MODEL.onnx THREADS REPEAT INPUT.npy [EXPECTED.npy]
// ONNX Runtime comes from `npm install --ignore-scripts onnxruntime-node`
// (NODE_PATH names the node_modules folder it went into).
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

function readNpy(path) {
  const buf = fs.readFileSync(path);
  if (buf.toString('latin1', 1, 6) !== 'NUMPY')
    throw new Error(`${path}: not a .npy file`);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + headerLen;
  const header = buf.toString('latin1', major === 1 ? 10 : 12, start);
  if (!/'descr': '<f4'/.test(header) || /'fortran_order': True/.test(header))
    throw new Error(`${path}: only C-order float32 arrays are supported`);
  const shape = header.match(/'shape': \(([^)]*)\)/)[1]
                    .split(',').map(s => s.trim()).filter(s => s).map(Number);
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset + start,
                                                 buf.byteOffset + buf.length));
  return {shape, data};
}

async function main() {
  const [model, threads, repeat, inputPath, expectedPath] = process.argv.slice(2);
  if (!inputPath) {
    console.error('usage: node ort-run.js MODEL.onnx THREADS REPEAT INPUT.npy [EXPECTED.npy]');
    process.exit(1);
  }
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ['cpu'],
    intraOpNumThreads: Number(threads),
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  const x = readNpy(inputPath);
  const feeds = {[session.inputNames[0]]: new ort.Tensor('float32', x.data, x.shape)};
  let out;
  for (let i = 0; i < 3; ++i)
    out = await session.run(feeds);
  const times = [];
  for (let i = 0; i < Number(repeat); ++i) {
    const t0 = process.hrtime.bigint();
    out = await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  times.sort((a, b) => a - b);
  let diff = 'n/a';
  if (expectedPath) {
    const want = readNpy(expectedPath).data;
    const got = out[session.outputNames[0]].data;
    let d = 0;
    for (let i = 0; i < want.length; ++i)
      d = Math.max(d, Math.abs(want[i] - got[i]));
    diff = d.toExponential(2);
  }
  console.log(`ort: median ${times[times.length >> 1].toFixed(6)} s, best ${times[0].toFixed(6)} s, max |diff| ${diff}`);
}

main().catch(e => { console.error(`ort-run: ${e.message}`); process.exit(1); });
