/**
 * `@wn/runs/node` — the parts of a run that need Node: the run folder (files, atomic writes, the
 * safety rules), checkpoint files, machine and code version, signals, and the command line.
 *
 * @module @wn/runs/node
 */
export { writeFileAtomic, removeStaleTemps, type AtomicWriteOptions } from './atomic.js';
export { collectRuns, groupRuns, valueAt, writeRunReport, type CollectedRun, type RunReport } from './collect-runs.js';
export { RunFolder, RUN_FILES, runFilesIn, hasCheckpoint, readCheckpointState, readMetricsJsonl, writeSummaryFiles, savedWeights, readRunSettings, findRunFolders, type RunMode, type OpenRunOptions } from './run-folder.js';
export { codeVersion, machineInfo, type CodeVersion, type MachineInfo } from './machine.js';
export { interruptOnSignals, yieldToEventLoop, type InterruptHandle, type InterruptOptions } from './signals.js';
export { opt, parseCommandLine, parseNumberText, formatHelp, runMain, type OptionSpec, type OptionTable, type OptionValues, type CommandLineSpec, type ParsedCommandLine, type NumberConstraints } from './options.js';
export { runOptions, seedOptions, runSetup, runModeOf, userPath, checkComparisonFolder, RUN_GROUP, type RunOptionHelp, type RunOptionValues, type RunFlags, type RunSetup, type RunControl } from './run-options.js';
export { startBench, finishBench, BENCH_RESULTS_FILE, type BenchRun } from './bench.js';
