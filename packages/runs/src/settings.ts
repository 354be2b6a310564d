/** A run's settings compared with a checkpoint's: a resume must use the same ones. */
import type { JsonValue } from './checked.js';

/** One setting that differs between a checkpoint and the current run. */
export interface SettingsDifference {
  /** The setting's dotted path. */
  key: string;
  /** The checkpoint's value (undefined when absent there). */
  saved: JsonValue | undefined;
  /** The current value (undefined when absent now). */
  now: JsonValue | undefined;
}

/** Top-level keys whose values differ (compared as JSON), in a stable order. */
export function settingsDifferences(saved: JsonValue, now: JsonValue): SettingsDifference[] {
  const obj = (v: JsonValue): Record<string, JsonValue> => (v && typeof v === 'object' && !Array.isArray(v) ? v : { value: v });
  const a = obj(saved), b = obj(now);
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  const get = (o: Record<string, JsonValue>, k: string) => (Object.hasOwn(o, k) ? o[k] : undefined);
  return keys.filter((k) => JSON.stringify(get(a, k)) !== JSON.stringify(get(b, k))).map((k) => ({ key: k, saved: get(a, k), now: get(b, k) }));
}
