#!/usr/bin/env bash
# The issue's evidence: all five parameterizations, equal budgets, seeds 1, 2, 3, on full
# Fashion-MNIST (Debian's dataset-fashion-mnist) and on CIFAR-10's data_batch_1 (10k images, from
# $CIFAR10_DIR, default ../shared/data/cifar10). To use both cores well, two single-threaded
# processes share the parameterizations (they write disjoint run folders); a final `--resume`
# over everything (all runs complete, so nothing retrains) writes the seed-averaged charts and
# summary. Copies charts and summaries to results/<name>-seeds/.
# Usage: scripts/evidence-seeds.sh [fashion-mnist] [cifar10]   (default: both). ~1 h on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
cli=(nice -n 5 node --conditions=source --import tsx src/cli.ts compare --quiet --threads 1 --seeds 1,2,3)
cifar_dir=${CIFAR10_DIR:-../../../shared/data/cifar10}

run() {
  local name=$1; shift
  local out=runs/evidence-$name
  mkdir -p "$out"
  local before; before=$(uptime)
  echo "== $name: $* --out $out"
  "${cli[@]}" "$@" --param batchnorm,standard --out "$out" > "$out.a.log" 2>&1 &
  local a=$!
  "${cli[@]}" "$@" --param weightnorm,weightnorm+init,weightnorm+meanonlybn --out "$out" > "$out.b.log" 2>&1 &
  local b=$!
  wait $a; wait $b
  "${cli[@]}" "$@" --resume --out "$out" | tee "$out.summary.log"
  mkdir -p "results/$name"
  cp "$out"/*.svg "$out"/*.png "$out"/summary.md "$out"/summary.json "results/$name/"
  { echo "command: wn-classify compare --threads 1 --seeds 1,2,3 $*  (two processes, parameterizations split; then --resume for the summary)";
    echo "load before the run: $before"; echo "load after the run: $(uptime)"; } > "results/$name/run.txt"
}

targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(fashion-mnist cifar10)
for t in "${targets[@]}"; do
  case $t in
    fashion-mnist) run fashion-mnist-seeds --dataset fashion-mnist --test-limit 2000 --epochs 4 --epoch-steps 100 \
      --data-label "Fashion-MNIST (all 60k train, 2000 test)" ;;
    cifar10) run cifar10-seeds --dataset cifar10 --data-dir "$cifar_dir" --test-limit 2000 --epochs 2 \
      --data-label "CIFAR-10 (10k train, JPEG-q75), 2000 test, ZCA" ;;
    *) echo "unknown target $t" >&2; exit 2 ;;
  esac
done
