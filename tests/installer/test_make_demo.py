"""The image demo a new user opens (issue 21): installer/make_demo.py makes a project that fine-tunes a
genuinely pre-trained model (npm nsfwjs@4.3.0's MobileNetV2, copied into the demo) with the Quick
preset, says in its README.txt where the weights come from and their licence, and its first training
with the demo's own settings (10 epochs of a new last layer) reaches at least 80% validation accuracy
on the four classes. Run by ctest with ATTUNE_CLI_PATH and ATTUNE_TFJS_DATA_DIR (the
test cache of the TF.js data, so nothing is fetched twice).
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
MAKE_DEMO = os.path.join(HERE, "..", "..", "installer", "make_demo.py")
CLI = os.environ["ATTUNE_CLI_PATH"]


class MakeDemoTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.out = tempfile.TemporaryDirectory()
        result = subprocess.run([sys.executable, MAKE_DEMO, "--out", cls.out.name, "--cli", CLI, "--only", "fashion",
                                 "--tfjs-cache", os.environ["ATTUNE_TFJS_DATA_DIR"]],
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
        cls.demo = os.path.join(cls.out.name, "fashion")
        with open(os.path.join(cls.demo, "fashion.attune"), encoding="utf-8") as f:
            cls.project = json.load(f)

    @classmethod
    def tearDownClass(cls):
        cls.out.cleanup()

    def test_the_project_fine_tunes_the_pretrained_mobilenet_quickly(self):
        config = self.project["config"]
        self.assertEqual(config["model"]["architecture"], "tfjs")
        self.assertEqual(config["preset"], "quick")
        self.assertEqual(config["model"]["input_size"], 96)
        weights = config["model"]["weights"]
        # Inside the demo folder (it still works when the folder is moved), and the real model.
        self.assertFalse(os.path.isabs(weights), weights)
        folder = os.path.join(self.demo, weights)
        self.assertTrue(os.path.isfile(os.path.join(folder, "model.min.js")), folder)
        self.assertGreater(os.path.getsize(os.path.join(folder, "group1-shard1of1.min.js")), 3_000_000)

    def test_the_readme_says_where_the_weights_come_from(self):
        with open(os.path.join(self.demo, "README.txt"), encoding="utf-8") as f:
            text = f.read()
        self.assertIn("nsfwjs 4.3.0", text)
        self.assertIn("MIT licence", text)
        self.assertIn("Balanced", text)

    def test_the_first_model_learns_from_pretrained_features(self):
        result = subprocess.run([CLI, "train", os.path.join(self.demo, "fashion.attune")],
                                capture_output=True, text=True)
        self.assertEqual(result.returncode, 0, result.stderr)
        best = re.search(r"Best validation accuracy ([0-9.]+)%", result.stdout)
        self.assertIsNotNone(best, result.stdout)
        # Four classes: 25% is chance (95% on this machine).
        self.assertGreaterEqual(float(best.group(1)), 80.0, result.stdout)


if __name__ == "__main__":
    unittest.main()
