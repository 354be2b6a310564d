import type { MetricsRow } from './metrics.js';

/** What every model package's `train` returns, whatever else it adds. */
export interface RunResult<M extends MetricsRow = MetricsRow> {
  /** The run folder. */
  runDir: string;
  /** Every metrics row so far (including those before a resume). */
  metrics: M[];
  /** Whether the run stopped early (a signal); it can be resumed from its checkpoint. */
  interrupted: boolean;
  /** Whether this run continued from a checkpoint. */
  resumed: boolean;
  /** Number of trainable parameters of the model. */
  parameters: number;
}
