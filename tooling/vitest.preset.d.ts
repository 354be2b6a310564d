import type { UserConfig } from 'vitest/config';
export declare function wnVitestConfig(overrides?: { testTimeout?: number; include?: string[] }): UserConfig;
