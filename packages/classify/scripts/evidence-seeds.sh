#!/usr/bin/env bash
# The issue's evidence: all five parameterizations, equal budgets, seeds 1, 2, 3, on full
# Fashion-MNIST (Debian's dataset-fashion-mnist: 60k train) and on CIFAR-10's data_batch_1 (10k
# images, from $CIFAR10_DIR, default ../shared/data/cifar10), each scaled down to a 2-core CPU.
#
# Two single-threaded lanes keep both cores busy (one thread per process scales better than two
# threads in one). Batch norm costs ~2.5x the others per step, so the lanes are balanced by hand:
#   lane 1: Fashion-MNIST batchnorm + standard, then CIFAR-10 standard
#   lane 2: Fashion-MNIST weightnorm, weightnorm+init, weightnorm+meanonlybn, then CIFAR-10 the rest
# Runs of one dataset share a folder (disjoint run sub-folders); a final `--resume` over all of
# them (every run complete, so nothing retrains) writes the seed-averaged charts and summary,
# copied to results/<name>-seeds/. About 75 min on an idle 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."
cli=(nice -n 5 node --conditions=@wn/source --import tsx src/cli.ts compare --quiet --threads 1 --seeds 1,2,3)
cifar_dir=${CIFAR10_DIR:-../../../shared/data/cifar10}
fmnist=(--dataset fashion-mnist --test-limit 2000 --epochs 4 --epoch-steps 100 --data-label "Fashion-MNIST (all 60k train), 2000 test")
cifar=(--dataset cifar10 --data-dir "$cifar_dir" --test-limit 2000 --epochs 3 --epoch-steps 50 --data-label "CIFAR-10 (10k train, JPEG-q75), 2000 test, ZCA")
fm_out=runs/evidence-fashion-mnist-seeds
cf_out=runs/evidence-cifar10-seeds
mkdir -p runs
started=$(uptime)

lane1() {
  "${cli[@]}" "${fmnist[@]}" --overwrite --param batchnorm,standard --out $fm_out > $fm_out.lane1.log 2>&1
  "${cli[@]}" "${cifar[@]}" --overwrite --param standard --out $cf_out > $cf_out.lane1.log 2>&1
}
lane2() {
  "${cli[@]}" "${fmnist[@]}" --overwrite --param weightnorm,weightnorm+init,weightnorm+meanonlybn --out $fm_out > $fm_out.lane2.log 2>&1
  "${cli[@]}" "${cifar[@]}" --overwrite --param batchnorm,weightnorm+meanonlybn,weightnorm,weightnorm+init --out $cf_out > $cf_out.lane2.log 2>&1
}
lane1 & l1=$!
lane2 & l2=$!
wait $l1; wait $l2

summarize() {
  local name=$1 out=$2; shift 2
  "${cli[@]}" "$@" --resume --out "$out" | tee "$out.summary.log"
  mkdir -p "results/$name"
  cp "$out"/*.svg "$out"/*.png "$out"/summary.md "$out"/summary.json "results/$name/"
  { echo "command: scripts/evidence-seeds.sh — wn-classify compare --threads 1 --seeds 1,2,3 $*  (parameterizations split over two lanes, then --resume for the summary)";
    echo "load when the script started: $started"; echo "load at the end: $(uptime)"; } > "results/$name/run.txt"
}
summarize fashion-mnist-seeds $fm_out "${fmnist[@]}"
summarize cifar10-seeds $cf_out "${cifar[@]}"
