#!/usr/bin/env node
// The wn-classify command: its built CLI, or in the repository its TypeScript source (see @wn/runs' launch-cli).
import { launchCli } from '@wn/runs/launch-cli';

await launchCli(import.meta.url, 'wn-classify');
