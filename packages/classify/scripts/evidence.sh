#!/usr/bin/env bash
# Reproduces packages/classify/results/: the comparison of parameterizations on the embedded
# Fashion-MNIST subset (the main job's setting), on a subset of full Fashion-MNIST, and on
# CIFAR-10 (10k JPEG-q75 train images), each scaled down to fit a 2-core CPU. Each run writes to
# runs/evidence-<name>/ and copies its charts and summary (small files) to results/<name>/.
# Usage: scripts/evidence.sh [embedded] [fashion-mnist] [cifar10]   (default: all three)
set -euo pipefail
cd "$(dirname "$0")/.."
cli=(node --conditions=@wn/source --import tsx src/cli.ts compare --quiet)
cifar_dir=${CIFAR10_DIR:-../../../shared/data/cifar10}

run() {
  local name=$1; shift
  local out=runs/evidence-$name
  echo "== $name: ${cli[*]} $* --out $out"
  { uptime; nproc; } > "$out.machine.txt" 2>/dev/null || true
  "${cli[@]}" "$@" --overwrite --out "$out"
  mkdir -p "results/$name"
  cp "$out"/*.svg "$out"/*.png "$out"/summary.md "$out"/summary.json "results/$name/"
  { echo "command: wn-classify compare $* "; echo "load before the run: $(cat "$out.machine.txt" | head -1)"; echo "load after the run: $(uptime)"; } > "results/$name/run.txt"
}

targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(embedded fashion-mnist cifar10)
for t in "${targets[@]}"; do
  case $t in
    embedded) run embedded ;;
    fashion-mnist) run fashion-mnist --dataset fashion-mnist --train-limit 6000 --test-limit 2000 --epochs 3 ;;
    cifar10) run cifar10 --dataset cifar10 --data-dir "$cifar_dir" --data-label "CIFAR-10 (10k train, JPEG-q75), 2000 test, ZCA" --width 1/8 --test-limit 2000 --epochs 2 ;;
    *) echo "unknown target $t" >&2; exit 2 ;;
  esac
done
