# Classify images with an Attune export (a catalog image model) in PyTorch and torchvision alone.
# usage: python3 classify_with_torchvision.py EXPORT_FOLDER IMAGE...
import json, struct, sys
import torch, torchvision
from PIL import Image
from torchvision import transforms

folder, images = sys.argv[1], sys.argv[2:]
info = json.load(open(f"{folder}/attune-export.json"))
raw = open(f"{folder}/model.safetensors", "rb").read()  # safetensors: 8-byte header size, JSON header, data
size = struct.unpack("<Q", raw[:8])[0]
header = {k: v for k, v in json.loads(raw[8:8 + size]).items() if k != "__metadata__"}
types = {"F32": torch.float32, "I64": torch.int64}
weights = {k: torch.frombuffer(bytearray(raw[8 + size + v["data_offsets"][0]:8 + size + v["data_offsets"][1]]),
                               dtype=types[v["dtype"]]).reshape(v["shape"]) for k, v in header.items()}
model = getattr(torchvision.models, info["architecture"])(num_classes=len(info["classes"]))
model.load_state_dict(weights)
model.eval()
i = info["input"]
prepare = transforms.Compose([transforms.Resize(i["resize_shorter_side_to"]), transforms.CenterCrop(i["size"]),
                              transforms.ToTensor(), transforms.Normalize(i["mean"], i["std"])])
with torch.no_grad():
    for path in images:
        p = model(prepare(Image.open(path).convert("RGB")).unsqueeze(0)).softmax(1)[0]
        print(path, info["classes"][int(p.argmax())], " ".join(f"{x:.6f}" for x in p.tolist()))
