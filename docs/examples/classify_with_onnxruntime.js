// Classify images with an Attune ONNX export in Node.js and ONNX Runtime (npm install onnxruntime-node).
// usage: node classify_with_onnxruntime.js EXPORT_FOLDER IMAGE.ppm...
// Images are binary PPM files (P6) whose shorter side is the export's resize_shorter_side_to (any image
// tool makes them); the centre is cropped here, then scaled and normalised as the model expects.
const fs = require('fs');
const ort = require('onnxruntime-node');

async function main(folder, images) {
  const info = JSON.parse(fs.readFileSync(`${folder}/attune-export.json`));
  const { size, mean, std } = info.input;
  const session = await ort.InferenceSession.create(`${folder}/model.onnx`);
  for (const path of images) {
    const ppm = fs.readFileSync(path);
    const head = ppm.toString('latin1', 0, 64).match(/^P6\s+(\d+)\s+(\d+)\s+255\s/);
    const width = Number(head[1]), height = Number(head[2]), offset = head[0].length;
    const left = Math.floor((width - size) / 2), top = Math.floor((height - size) / 2);
    const pixels = new Float32Array(3 * size * size);
    for (let c = 0; c < 3; ++c)
      for (let y = 0; y < size; ++y)
        for (let x = 0; x < size; ++x)
          pixels[(c * size + y) * size + x] = (ppm[offset + ((top + y) * width + left + x) * 3 + c] / 255 - mean[c]) / std[c];
    const { probabilities } = await session.run({ pixel_values: new ort.Tensor('float32', pixels, [1, 3, size, size]) });
    const p = Array.from(probabilities.data);
    console.log(path, info.classes[p.indexOf(Math.max(...p))], p.map((x) => x.toFixed(6)).join(' '));
  }
}

main(process.argv[2], process.argv.slice(3)).catch((error) => { console.error(error.message); process.exit(1); });
