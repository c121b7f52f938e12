#!/usr/bin/env python3
"""One cold `attune-cli train PROJECT --json` of a fresh demo project, timed from the moment the
process is started: when the first validation accuracy exists (the first "epoch" line on stdout, or
the first epoch row of the run's metrics.csv, whichever comes first), and when the process ends.
run_first_model.sh makes the project and the empty cache folder and calls this once per run.

Prints one figure line, "first_model RUN FIRST_S TOTAL_S ACCURACY SETUP_S FEATURES_S FEATURES_CLI_S
EPOCH1_S REST_S SOURCE", and '#' lines saying what happened. The phases come from when the CLI's
lines arrive (it prints what its training thread reported every 0.1 s):
  set-up    process start to the "Training ... on cpu" line: the program, the project, the image list,
            the pre-trained model read and built
  features  that line to the "features were computed once" line (the CLI's own figure beside it)
  epoch 1   that line to the first validation accuracy: the new layer's first epoch and validation
  rest      the first validation accuracy to the process's end: the other epochs, checkpoints, the
            project saved
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys
import threading
import time

POLL_S = 0.01


def first_epoch_row(project_dir):
    """The validation accuracy of metrics.csv's first epoch row, or None."""
    for path in glob.glob(os.path.join(project_dir, "runs", "*", "metrics.csv")):
        try:
            with open(path, encoding="utf-8") as f:
                for line in f:
                    fields = line.rstrip("\n").split(",")
                    if fields[0] == "epoch" and len(fields) > 6 and fields[6]:
                        return float(fields[6])
        except OSError:
            pass
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("project", help="the .attune project (a fresh copy: it gains a run)")
    parser.add_argument("--cli", required=True, help="path of attune-cli")
    parser.add_argument("--home", required=True, help="an empty folder: HOME and XDG_CACHE_HOME of the process")
    parser.add_argument("--run", type=int, default=1, help="the run's number, for the figure line")
    args = parser.parse_args()

    project_dir = os.path.dirname(os.path.abspath(args.project))
    env = dict(os.environ)
    # A new user's caches: Attune's weights and thumbnails (XDG_CACHE_HOME/Attune/Attune), torch hub and
    # Hugging Face caches all under the empty folder; no variable points elsewhere.
    for name in ("ATTUNE_CACHE_DIR", "TORCH_HOME", "HF_HOME", "HF_HUB_CACHE", "ATTUNE_CPU_MEMORY_CACHE"):
        env.pop(name, None)
    env["HOME"] = args.home
    env["XDG_CACHE_HOME"] = os.path.join(args.home, ".cache")
    left = [os.path.relpath(os.path.join(d, f), args.home) for d, _, fs in os.walk(args.home) for f in fs]
    if left:
        sys.exit(f"{args.home} is not empty ({', '.join(left[:5])}): the run would not start cold.")

    found = {}  # name -> seconds since start
    csv_first = {}
    done = threading.Event()

    def poll_metrics():
        while not done.is_set():
            accuracy = first_epoch_row(project_dir)
            if accuracy is not None:
                csv_first["s"] = time.monotonic() - start
                csv_first["accuracy"] = accuracy
                return
            time.sleep(POLL_S)

    start = time.monotonic()
    process = subprocess.Popen([args.cli, "train", args.project, "--json"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=env, text=True, bufsize=1)
    poller = threading.Thread(target=poll_metrics, daemon=True)
    poller.start()
    first_accuracy = None
    features_cli_s = float("nan")
    summary = {}
    for line in process.stdout:
        now = time.monotonic() - start
        try:
            event = json.loads(line)
        except ValueError:
            continue
        kind, message = event.get("event"), event.get("message", "")
        if kind in ("info", "warning") and message:
            print(f"#   {now:6.2f} s  {message}")
        if kind == "info" and message.startswith("Training ") and "setup" not in found:
            found["setup"] = now
        if kind == "info" and "features were computed once" in message and "features" not in found:
            found["features"] = now
            m = re.search(r"\(\d+ \S+ in ([0-9.]+) s\)", message)
            if m:
                features_cli_s = float(m.group(1))
        if kind == "epoch" and "epoch" not in found:
            found["epoch"] = now
            first_accuracy = event.get("val_accuracy")
            print(f"#   {now:6.2f} s  epoch 1: validation accuracy {100 * first_accuracy:.1f}% "
                  f"(the run's clock: {event.get('elapsed_ms', 0) / 1000:.2f} s)")
        if kind in ("done", "error"):
            summary = event
    stderr = process.stderr.read()
    process.wait()
    total_s = time.monotonic() - start
    done.set()
    poller.join()

    if process.returncode != 0 or first_accuracy is None:
        sys.exit(f"attune-cli train failed (exit {process.returncode}): {stderr.strip() or summary}")
    first_s, source = found["epoch"], "stdout"
    if "s" in csv_first and csv_first["s"] < first_s:
        first_s, source = csv_first["s"], "metrics.csv"
    print(f"#   {total_s:6.2f} s  exit {process.returncode}: {summary.get('message', '')}")
    if "s" in csv_first:
        print(f"#   first epoch row in metrics.csv at {csv_first['s']:.2f} s, the epoch line on stdout at "
              f"{found['epoch']:.2f} s")
    cached = [os.path.relpath(os.path.join(d, f), args.home) for d, _, fs in os.walk(args.home) for f in fs]
    print(f"#   left in the cache folder by the run: {', '.join(cached) if cached else 'nothing'}")
    setup_s = found.get("setup", float("nan"))
    features_s = found.get("features", setup_s) - setup_s
    epoch1_s = found["epoch"] - found.get("features", setup_s)
    print(f"first_model {args.run} {first_s:.2f} {total_s:.2f} {100 * first_accuracy:.1f} {setup_s:.2f} "
          f"{features_s:.2f} {features_cli_s:.2f} {epoch1_s:.2f} {total_s - first_s:.2f} {source}")


if __name__ == "__main__":
    main()
