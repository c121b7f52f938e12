#!/usr/bin/env node
// Runs an ONNX file in ONNX Runtime (npm onnxruntime-node, CPU, default graph optimisations), the
// independent runtime that proves Attune's ONNX exports:
//   node onnx_run.js MODULES_DIR MODEL.onnx INPUTS.json OUTPUTS.json
// MODULES_DIR: the folder installer/fetch_onnxruntime.sh prints (it holds node_modules/).
// INPUTS.json:  {"NAME": {"dtype": "float32"|"int64"|..., "dims": [..], "file": "x.bin"}, ...}, one entry
//               per model input; each file is the tensor's raw little-endian data, row-major; a relative
//               path is relative to INPUTS.json's folder.
// OUTPUTS.json: written in the same form, one entry per model output under the model's own names; the
//               data goes to OUTPUTS-STEM.NAME.bin beside it ("file" holds its absolute path).
// Prints the model's inputs, outputs, opsets, producer and metadata to stderr.
// Exit status: 0 success, 1 failure (the model does not load or run, an input is wrong) with a
// one-line reason on stderr, 2 bad usage.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

const kTypedArrays = {
  float32: Float32Array, float64: Float64Array, int64: BigInt64Array, uint64: BigUint64Array,
  int32: Int32Array, uint32: Uint32Array, int16: Int16Array, uint16: Uint16Array,
  int8: Int8Array, uint8: Uint8Array, bool: Uint8Array,
};

class Failure extends Error {}
function fail(message) { throw new Failure(message); }

function loadRuntime(modulesDir) {
  let resolved;
  try {
    resolved = require.resolve('onnxruntime-node', { paths: [path.resolve(modulesDir)] });
  } catch (e) {
    fail(`onnxruntime-node is not in ${modulesDir}/node_modules: run installer/fetch_onnxruntime.sh`);
  }
  try {
    return require(resolved);
  } catch (e) {
    fail(`onnxruntime-node in ${modulesDir} does not load here: ${firstLine(e.message)}`);
  }
}

function firstLine(text) { return String(text).split('\n').find((line) => line.trim()) || String(text); }

// ONNX Runtime's message without its prefixes: "Load model from PATH failed:" and the throwing C++
// function's file, line and full signature ("/onnxruntime_src/...cc:180 onnxruntime::Model::Model(...) ").
function runtimeMessage(error) {
  let text = firstLine(error.message).replace(/^Load model from .*? failed:/, '');
  const where = text.match(/^\/onnxruntime_src\/\S+:\d+ [^(]*\(/);
  if (where) {
    let depth = 1;
    let i = where[0].length;
    for (; i < text.length && depth > 0; ++i) depth += text[i] === '(' ? 1 : text[i] === ')' ? -1 : 0;
    text = text.slice(i).replace(/^\s*const\s/, '');
  }
  return text.trim();
}

// The top-level fields of the ModelProto that ONNX Runtime's JavaScript API does not expose, read
// from the file without loading the graph (an image model is hundreds of MB): ir_version (1),
// producer_name (2), producer_version (3), opset_import (8), metadata_props (14).
function readModelHeader(file) {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const read = (position, length) => {
      const buffer = Buffer.alloc(length);
      if (fs.readSync(fd, buffer, 0, length, position) !== length) fail('truncated');
      return buffer;
    };
    const header = { opsets: [], metadata: [] };
    let position = 0;
    const varintAt = () => {
      const bytes = read(position, Math.min(10, size - position));
      let value = 0n;
      for (let i = 0; i < bytes.length; ++i) {
        value |= BigInt(bytes[i] & 0x7f) << BigInt(7 * i);
        if (!(bytes[i] & 0x80)) { position += i + 1; return value; }
      }
      fail('bad varint');
    };
    while (position < size) {
      const tag = Number(varintAt());
      const field = tag >> 3;
      const wire = tag & 7;
      if (wire === 0) {
        const value = varintAt();
        if (field === 1) header.irVersion = Number(value);
      } else if (wire === 2) {
        const length = Number(varintAt());
        if ([2, 3, 8, 14].includes(field)) {
          const bytes = read(position, length);
          if (field === 2) header.producer = bytes.toString('utf8');
          if (field === 3) header.producerVersion = bytes.toString('utf8');
          if (field === 8) {
            const entry = parseMessage(bytes);
            header.opsets.push(`${entry[1] || 'ai.onnx'} ${entry[2] || 0}`);
          }
          if (field === 14) {
            const entry = parseMessage(bytes);
            header.metadata.push([entry[1] || '', entry[2] || '']);
          }
        }
        position += length;
      } else if (wire === 1) {
        position += 8;
      } else if (wire === 5) {
        position += 4;
      } else {
        fail('unknown wire type');
      }
    }
    return header;
  } finally {
    fs.closeSync(fd);
  }
}

// A small message of strings (wire type 2) and integers (wire type 0): {field number: value}.
function parseMessage(bytes) {
  const fields = {};
  let position = 0;
  const varint = () => {
    let value = 0n;
    for (let shift = 0n; position < bytes.length; shift += 7n) {
      const byte = bytes[position++];
      value |= BigInt(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return value;
    }
    fail('bad varint');
  };
  while (position < bytes.length) {
    const tag = Number(varint());
    if ((tag & 7) === 0) {
      fields[tag >> 3] = Number(varint());
    } else if ((tag & 7) === 2) {
      const length = Number(varint());
      fields[tag >> 3] = bytes.toString('utf8', position, position + length);
      position += length;
    } else {
      fail('unexpected wire type');
    }
  }
  return fields;
}

function readInputs(ort, inputsFile, inputNames) {
  let spec;
  try {
    spec = JSON.parse(fs.readFileSync(inputsFile, 'utf8'));
  } catch (e) {
    fail(`cannot read ${inputsFile}: ${firstLine(e.message)}`);
  }
  const given = Object.keys(spec);
  const missing = inputNames.filter((name) => !given.includes(name));
  const unknown = given.filter((name) => !inputNames.includes(name));
  if (missing.length || unknown.length) {
    fail(`${inputsFile} gives inputs [${given.join(', ')}], the model takes [${inputNames.join(', ')}]`);
  }
  const feeds = {};
  for (const name of given) {
    const { dtype, dims, file } = spec[name];
    const TypedArray = kTypedArrays[dtype];
    if (!TypedArray) fail(`input ${name}: dtype "${dtype}" is not one of ${Object.keys(kTypedArrays).join(', ')}`);
    if (!Array.isArray(dims) || !dims.every((d) => Number.isInteger(d) && d >= 0)) {
      fail(`input ${name}: dims must be a list of non-negative integers`);
    }
    const dataFile = path.resolve(path.dirname(inputsFile), String(file));
    let bytes;
    try {
      bytes = fs.readFileSync(dataFile);
    } catch (e) {
      fail(`input ${name}: cannot read ${dataFile}: ${firstLine(e.message)}`);
    }
    const count = dims.reduce((a, b) => a * b, 1);
    if (bytes.length !== count * TypedArray.BYTES_PER_ELEMENT) {
      fail(`input ${name}: ${dataFile} has ${bytes.length} bytes, [${dims}] ${dtype} needs ${count * TypedArray.BYTES_PER_ELEMENT}`);
    }
    // A copy: typed arrays need an aligned offset, and a Buffer may start anywhere in its pool.
    const data = new TypedArray(count);
    new Uint8Array(data.buffer).set(bytes);
    feeds[name] = new ort.Tensor(dtype, data, dims);
  }
  return feeds;
}

function writeOutputs(results, outputsFile) {
  const folder = path.dirname(path.resolve(outputsFile));
  const stem = path.basename(outputsFile).replace(/\.json$/i, '');
  const spec = {};
  const used = new Set();
  for (const [name, tensor] of Object.entries(results)) {
    if (!kTypedArrays[tensor.type] || !ArrayBuffer.isView(tensor.data)) {
      fail(`output ${name} has type ${tensor.type}, which onnx_run.js does not write`);
    }
    let base = `${stem}.${name.replace(/[^A-Za-z0-9._-]/g, '_')}`;
    for (let i = 2; used.has(base); ++i) base = `${stem}.${name.replace(/[^A-Za-z0-9._-]/g, '_')}_${i}`;
    used.add(base);
    const file = path.join(folder, `${base}.bin`);
    const data = tensor.data;
    fs.writeFileSync(file, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    spec[name] = { dtype: tensor.type, dims: Array.from(tensor.dims, Number), file };
  }
  fs.writeFileSync(outputsFile, JSON.stringify(spec, null, 2) + '\n');
}

async function main(argv) {
  if (argv.length !== 4) {
    process.stderr.write('usage: node onnx_run.js MODULES_DIR MODEL.onnx INPUTS.json OUTPUTS.json\n');
    return 2;
  }
  const [modulesDir, model, inputsFile, outputsFile] = argv;
  if (os.endianness() !== 'LE') fail('this machine is big-endian; the .bin files are little-endian');
  const ort = loadRuntime(modulesDir);
  if (!fs.existsSync(model)) fail(`${model} does not exist`);

  let header = null;
  try {
    header = readModelHeader(model);
  } catch (e) {
    header = null;  // not a protobuf we can read: ONNX Runtime will say what is wrong with it
  }
  let session;
  try {
    session = await ort.InferenceSession.create(model, { executionProviders: ['cpu'] });
  } catch (e) {
    fail(`ONNX Runtime ${ort.env.versions.node} cannot load ${model}: ${runtimeMessage(e)}`);
  }
  const log = (line) => process.stderr.write(`onnx_run: ${line}\n`);
  log(`ONNX Runtime ${ort.env.versions.node} (CPU), model ${model}`);
  if (header) {
    log(`ir_version ${header.irVersion}, producer ${header.producer || '?'} ${header.producerVersion || ''}`.trimEnd());
    log(`opsets: ${header.opsets.join(', ') || 'none'}`);
    for (const [key, value] of header.metadata) log(`metadata ${key} = ${value.length > 200 ? value.slice(0, 200) + '...' : value}`);
  }
  log(`inputs: ${session.inputNames.join(', ')}`);
  log(`outputs: ${session.outputNames.join(', ')}`);

  const feeds = readInputs(ort, inputsFile, session.inputNames);
  let results;
  try {
    results = await session.run(feeds);
  } catch (e) {
    fail(`ONNX Runtime cannot run ${model}: ${runtimeMessage(e)}`);
  }
  writeOutputs(results, outputsFile);
  for (const [name, tensor] of Object.entries(results)) log(`${name}: ${tensor.type} [${tensor.dims.join(', ')}]`);
  return 0;
}

main(process.argv.slice(2)).then(
  (status) => { process.exitCode = status; },
  (e) => {
    process.stderr.write(`onnx_run: ${e instanceof Failure ? e.message : firstLine(e.stack || e)}\n`);
    process.exitCode = 1;
  });
