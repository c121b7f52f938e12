"""Writes the seed corpora of the fuzz targets into tests/fuzz/corpus/<target>/ (run from anywhere;
Debian's /usr/bin/python3 with python3-torch and python3-torchvision makes the checkpoints). The seeds are small valid files of each
format, plus a few that a reader must refuse, so that the fuzzer starts from every branch of the
format instead of from nothing. Rerun it when a format changes; the files it writes are committed.
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")


def put(target, name, data):
    folder = os.path.join(CORPUS, target)
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def safetensors(tensors, metadata=None, pad=True):
    """tensors: name -> (dtype, shape, bytes)."""
    header, blobs, offset = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, (dtype, shape, data) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    if pad:
        text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def f32(*values):
    return struct.pack("<%df" % len(values), *values)


# --- safetensors ---------------------------------------------------------------------------------
put("safetensors", "two_tensors.safetensors", safetensors({
    "conv.weight": ("F32", [2, 1, 1, 2], f32(1, 2, 3, 4)),
    "conv.bias": ("F32", [2], f32(0.5, -0.5))}, {"format": "pt"}))
put("safetensors", "every_dtype.safetensors", safetensors({
    "f64": ("F64", [1], struct.pack("<d", 1.5)), "f16": ("F16", [2], b"\x00\x3c\x00\xc0"),
    "bf16": ("BF16", [1], b"\x80\x3f"), "i64": ("I64", [1], struct.pack("<q", -7)),
    "i32": ("I32", [1], struct.pack("<i", 9)), "i16": ("I16", [1], b"\x01\x00"), "i8": ("I8", [2], b"\x01\xff"),
    "u8": ("U8", [3], b"abc"), "bool": ("BOOL", [2], b"\x00\x01"), "scalar": ("F32", [], f32(3)),
    "empty": ("F32", [0, 4], b"")}))
put("safetensors", "no_tensors.safetensors", safetensors({}, {"note": "empty"}))
put("safetensors", "unpadded.safetensors", safetensors({"x": ("U8", [1], b"\x05")}, pad=False))
put("safetensors", "bad_offsets.safetensors",
    struct.pack("<Q", 60) + b'{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,16]}}    ' + f32(1, 2))

# --- PyTorch checkpoints (torch.save, both formats), from tests/weights/make_checkpoints.py --------
with tempfile.TemporaryDirectory() as folder:
    subprocess.run(["/usr/bin/python3", os.path.join(HERE, "..", "weights", "make_checkpoints.py"), folder],
                   check=True, stdout=subprocess.DEVNULL)
    kept = 0
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if name.endswith(".expected.safetensors") or os.path.getsize(path) > 12000:
            continue
        with open(path, "rb") as f:
            put("pytorch_checkpoint", name, f.read())
        kept += 1
    print("pytorch_checkpoint: %d seeds" % kept)

# --- Keras topologies (JSON) ----------------------------------------------------------------------
def layer(cls, name, **config):
    config["name"] = name
    return {"class_name": cls, "config": config}


sequential = {"class_name": "Sequential", "config": {"name": "seq", "layers": [
    layer("InputLayer", "input", batch_input_shape=[None, 8, 8, 3], dtype="float32"),
    layer("Conv2D", "conv", filters=4, kernel_size=[3, 3], strides=[1, 1], padding="same",
          activation="relu", use_bias=True, dilation_rate=[1, 1]),
    layer("BatchNormalization", "bn", axis=-1, epsilon=0.001, momentum=0.99),
    layer("DepthwiseConv2D", "dw", kernel_size=[3, 3], strides=[2, 2], padding="valid", depth_multiplier=1),
    layer("MaxPooling2D", "pool", pool_size=[2, 2], strides=[2, 2], padding="valid"),
    layer("Dropout", "drop", rate=0.2),
    layer("Flatten", "flat"),
    layer("Dense", "dense", units=2, activation="softmax")]}}
put("keras_topology", "sequential.json", json.dumps(sequential))
put("keras_topology", "sequential_keras22.json", json.dumps(
    {"class_name": "Sequential", "config": sequential["config"]["layers"][1:]}))


def node(cls, name, inbound, **config):
    entry = layer(cls, name, **config)
    entry["name"] = name
    entry["inbound_nodes"] = [[[source, 0, 0, {}] for source in inbound]] if inbound else []
    return entry


inner = {"class_name": "Sequential", "config": {"name": "inner", "layers": [
    layer("Conv2D", "inner_conv", filters=2, kernel_size=[1, 1], strides=[1, 1], padding="valid")]}}
nested = dict(inner, name="inner", inbound_nodes=[[["add", 0, 0, {}]]])
functional = {"class_name": "Functional", "config": {"name": "func", "layers": [
    node("InputLayer", "in", [], batch_input_shape=[None, 16, 16, 3]),
    node("Conv2D", "c1", ["in"], filters=3, kernel_size=[3, 3], strides=[1, 1], padding="same"),
    node("ReLU", "r1", ["c1"], max_value=6.0),
    node("Add", "add", ["in", "r1"]),
    nested,
    node("GlobalAveragePooling2D", "gap", ["inner"]),
    node("Dense", "out", ["gap"], units=3)],
    "input_layers": [["in", 0, 0]], "output_layers": [["out", 0, 0]]}}
put("keras_topology", "functional_nested.json", json.dumps(functional))
put("keras_topology", "model_json_wrapper.json", json.dumps(
    {"format": "layers-model", "modelTopology": {"keras_version": "2.2.4", "model_config": sequential}}))

# --- TF.js: model.json, then each shard after "\n#shard\n" ------------------------------------------
SEP = b"\n#shard\n"


def tfjs(topology, weights, shards=1, extra=None):
    """weights: (name, shape, dtype, bytes[, extra manifest fields]) in byte order, over `shards` shards."""
    blob = b"".join(w[3] for w in weights)
    size = -(-len(blob) // shards) if blob else 0
    parts = [blob[i * size:(i + 1) * size] for i in range(shards)]
    entries = []
    for w in weights:
        entry = {"name": w[0], "shape": w[1], "dtype": w[2]}
        if len(w) > 4:
            entry.update(w[4])
        entries.append(entry)
    manifest = [{"paths": ["group1-shard%dof%d.bin" % (i + 1, shards) for i in range(shards)],
                 "weights": entries}]
    model = {"format": "layers-model", "generatedBy": "keras v2.4.0", "convertedBy": "TensorFlow.js Converter",
             "modelTopology": topology, "weightsManifest": manifest}
    if extra:
        model.update(extra)
    return json.dumps(model).encode() + b"".join(SEP + p for p in parts)


dense_model = {"class_name": "Sequential", "config": {"name": "s", "layers": [
    layer("InputLayer", "input", batch_input_shape=[None, 2, 2, 1]),
    layer("Flatten", "flat"),
    layer("Dense", "dense", units=2, use_bias=True)]}}
dense_weights = [("dense/kernel", [4, 2], "float32", f32(*range(8))), ("dense/bias", [2], "float32", f32(1, 2))]
put("tfjs_model", "dense.txt", tfjs(dense_model, dense_weights))
put("tfjs_model", "dense_two_shards.txt", tfjs({"model_config": dense_model}, dense_weights, shards=2))
put("tfjs_model", "quantized.txt", tfjs(dense_model, [
    ("dense/kernel", [4, 2], "float32", bytes(range(8)), {"quantization": {"dtype": "uint8", "scale": 0.5, "min": -1}}),
    ("dense/bias", [2], "float32", b"\x00\x3c\x00\xc0", {"quantization": {"dtype": "float16"}})]))
put("tfjs_model", "int_and_bool.txt", tfjs(dense_model, [
    ("dense/kernel", [4, 2], "float32", f32(*range(8))), ("steps", [1], "int32", struct.pack("<i", 3)),
    ("flag", [2], "bool", b"\x01\x00"), ("dense/bias", [2], "float32", f32(0, 0))]))
put("tfjs_model", "conv.txt", tfjs(sequential, [
    ("conv/kernel", [3, 3, 3, 4], "float32", f32(*[0.01] * 108)), ("conv/bias", [4], "float32", f32(0, 0, 0, 0))]))
# nsfwjs's form: a CommonJS bundle exporting an object literal (unquoted keys, !0). (Its .min.js shards
# hold base64, which the file loader decodes; the target's loader gives the shard's bytes.)
literal = json.dumps({"modelTopology": dense_model, "weightsManifest": [{"paths": ["group1-shard1of1"],
    "weights": [{"name": n, "shape": s, "dtype": d} for n, s, d, _ in dense_weights]}]})
for key in ["modelTopology", "weightsManifest", "paths", "weights", "name", "shape", "dtype", "class_name",
            "config", "layers", "units", "use_bias", "batch_input_shape"]:
    literal = literal.replace('"%s":' % key, "%s:" % key)
literal = literal.replace("true", "!0")
wrapper = b'!function(e){if("object"==typeof exports)module.exports=e()}(function(){return function e(a){}({1:[function(e,a,n){a.exports='
end = b'},{}]},{},[1])(1)});'
put("tfjs_model", "js_bundle.txt", wrapper + literal.encode() + end + SEP + b"".join(w[3] for w in dense_weights))
put("tfjs_model", "missing_shard.txt", tfjs(dense_model, dense_weights).split(SEP)[0])

# --- project files ----------------------------------------------------------------------------------
config = {"epochs": 3, "batch_size": 16, "seed": 7,
          "model": {"architecture": "resnet18", "weights": "catalog:resnet18", "input_size": 224},
          "optim": {"kind": "sgd", "lr_head": 0.01, "lr_backbone": 0.001, "momentum": 0.9,
                    "group_lrs": {"layer4": 0.005}},
          "freeze": {"backbone": True, "unfreeze_at": [2]}, "schedule": {"kind": "step", "step_every": 2},
          "augment": {"horizontal_flip": False}, "early_stop": {"patience": 2, "metric": "val_loss"}}
image_project = {"format_version": 2, "name": "pets", "task": "image_classification", "classes": ["cat", "dog"],
                 "data": {"folder": "images", "val_fraction": 0.25, "split_seed": 1}, "config": config,
                 "runs": [{"id": "run-1", "started_at": "2026-12-01T10:00:00Z", "status": "stopped",
                           "epochs_completed": 2, "best_epoch": 1, "best_val_accuracy": 0.75,
                           "best_checkpoint": "runs/run-1/best.safetensors", "message": "stopped by the user"}]}
put("project_file", "image.attune", json.dumps(image_project, indent=2))
text_project = {"format_version": 2, "name": "reviews", "task": "text_classification", "classes": ["neg", "pos"],
                "data": {"table": "t.csv", "table_format": "csv", "text_column": "text", "label_column": "label"},
                "config": {"model": {"architecture": "word_vectors", "word_encoder": "conv",
                                     "word_pooling": "mean_max", "max_tokens": 64},
                           "kfold": {"folds": 3}, "loss": {"label_smoothing": 0.1, "class_balance": "auto"},
                           "runtime": {"precision": "float32", "threads": 2}},
                "runs": []}
put("project_file", "text.attune", json.dumps(text_project))
put("project_file", "version1.attune", json.dumps(
    {"format_version": 1, "name": "old", "task": "image_classification", "data_folder": "images",
     "val_fraction": 0.2, "split_seed": 42, "classes": ["a", "b"]}))
put("project_file", "newer.attune", '{"format_version": 3, "name": "new"}')

# --- label journals ---------------------------------------------------------------------------------
lines = [{"attune_label_journal": 1},
         {"op": "set", "item": "cat/a.png", "class": "dog"},
         {"op": "add_class", "class": "bird"},
         {"op": "set", "item": "unlabelled/e.png", "class": "bird"},
         {"op": "rename_class", "class": "dog", "to": "puppy"},
         {"op": "rename_class", "class": "bird", "to": "cat"},
         {"op": "unset", "item": "cat/a.png", "class": ""},
         {"op": "set", "item": "t.csv:3", "class": ""},
         {"op": "delete_class", "class": "cat"},
         {"op": "map_class", "class": "dog", "to": ""},
         {"op": "map_class", "class": "cat", "to": "kitten"}]
put("label_journal", "changes.labels.jsonl", "".join(json.dumps(l) + "\n" for l in lines))
put("label_journal", "torn_last_line.labels.jsonl",
    json.dumps(lines[0]) + "\n" + json.dumps(lines[1]) + "\n" + '{"op": "set", "it')
put("label_journal", "damaged_middle.labels.jsonl",
    json.dumps(lines[0]) + "\nnot json\n[1]\n" + json.dumps(lines[2]) + "\n")
put("label_journal", "newer.labels.jsonl", '{"attune_label_journal": 99}\n')

# --- text tables: first byte picks the format (0 csv, 1 tsv, 2 jsonl, 3 json; +4 preview of 3 rows,
# +8 small limits, +16 a prefix of a file) ---------------------------------------------------------------
put("text_table", "csv", b"\x00" + b'text,label\r\n"a, ""quoted"" text",pos\n"two\r\nlines",neg\n\nshort\n,\n')
put("text_table", "csv_repeated_columns", b"\x00" + b"a,a,,a,b\n1,2,3,4,5\n")
put("text_table", "csv_bom_preview", b"\x04" + b"\xef\xbb\xbftext,label\nx,1\ny,2\nz,3\nw,4\n")
put("text_table", "tsv", b"\x01" + b"text\tlabel\nhello world\tpos\n\"tab\tinside\"\tneg\nbad\xff\xfe\tpos\n")
put("text_table", "jsonl", b"\x02" + b'{"text": "a", "label": 1, "extra": null}\n{"text": "b", "nested": {"x": [1]}}\n[1]\nnot json\n')
put("text_table", "json", b"\x03" + b'[{"text": "a", "label": true}, {"label": "b", "text": 2.5}, 7]')
put("text_table", "jsonl_limits_prefix", b"\x1a" + b'{"a": 1, "b": 2}\n{"c": 3}\n{"a": "cut')
put("text_table", "utf16", b"\x00" + b"\xff\xfet\x00e\x00")

# --- labels from other tools: Label Studio JSON, or a CSV of items and labels ------------------------------
studio = [
    {"id": 1, "data": {"image": "/data/local-files/?d=cat/a.png"},
     "annotations": [{"was_cancelled": False, "result": [{"type": "choices", "value": {"choices": ["dog"]}}]}]},
    {"id": 2, "data": {"image": "/data/upload/1/5f3e-b.png"},
     "annotations": [{"was_cancelled": True, "result": [{"type": "choices", "value": {"choices": ["cat"]}}]},
                     {"result": [{"type": "choices", "value": {"choices": ["cat", "dog"]}}]}]},
    {"id": 3, "data": {"text": "good film"},
     "annotations": [{"result": [{"type": "choices", "value": {"choices": ["neg"]}}]}]},
    {"id": 4, "data": {"img": "e.png"}, "annotations": [{"result": [{"type": "labels", "value": {}}]}]},
    {"id": 5, "data": {"other": "bad film"}, "annotations": []},
    {"id": 6, "data": {"image": "dog/sub/d.png"},
     "annotations": [{"was_cancelled": "no", "result": [{"type": 3, "value": {"choices": ["cat"]}}]}]},
    "not a task"]
put("label_studio", "export.json", json.dumps(studio, indent=1))
put("label_studio", "empty.json", "[]")
put("label_studio", "labels_images.csv", "file,label\ncat/a.png,dog\nc.png,cat\n/abs/none.png,cat\ne.png,\n")
put("label_studio", "labels_texts.csv", 'text,label\ngood film,neg\n"a, b",pos\nunknown,pos\n')
# --- exported models' manifests (attune-export.json; fuzz_export_manifest's folder also holds
# model.safetensors, ../outside.safetensors and link.safetensors, a link to it) ------------------------
image_config = {"model": {"architecture": "resnet18", "weights": "", "input_size": 64}, "epochs": 2,
                "optim": {"kind": "adamw", "lr_head": 0.001, "group_lrs": {"stage 4": 1e-4}},
                "freeze": {"unfreeze_at": [2]}, "augment": {"horizontal_flip": True}}
manifest = {"format": "attune-export", "format_version": 1, "task": "image", "architecture": "resnet18",
            "classes": ["cat", "dog"], "weights": "model.safetensors", "epoch": 2,
            "input": {"size": 64, "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]},
            "config": image_config,
            "source": {"project": "pets", "run_id": "2026-12-01_10-00-00", "checkpoint": "best.safetensors"},
            "validation": {"epoch": 2, "accuracy": 0.9, "loss": 0.3, "examples": 20}}
put("export_manifest", "image.json", json.dumps(manifest, indent=2))
text = dict(manifest, task="text", architecture="bert", classes=["neg", "pos", "neutral"], text_column="review",
            config={"model": {"architecture": "bert", "weights": "base/bert", "max_tokens": 64}})
put("export_manifest", "text.json", json.dumps(text, indent=2))
put("export_manifest", "no_source.json", json.dumps({k: v for k, v in manifest.items() if k != "source"}))
put("export_manifest", "newer.json", json.dumps(dict(manifest, format_version=2)))
put("export_manifest", "outside.json", json.dumps(dict(manifest, weights="../outside.safetensors")))
put("export_manifest", "link.json", json.dumps(dict(manifest, weights="link.safetensors")))
put("export_manifest", "wrong_types.json", json.dumps(dict(manifest, format_version="1", weights=7,
                                                           source={"run_id": 12})))
put("export_manifest", "bad_values.json", json.dumps(dict(manifest, config={"model": {"input_size": 0}},
                                                          classes=["only"])))
print("corpus written to", CORPUS)
