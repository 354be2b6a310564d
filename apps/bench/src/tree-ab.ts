/**
 * @wn's step time in this checkout against another (say, main in a `git worktree`), timed in
 * alternation so both see the same machine load: one child process per tree (tree-ab-child.ts,
 * each importing its own tree's @wn), blocks of steps back to back, the order swapped every round.
 * Prints, per workload and thread count, both medians (wall and CPU per step) and the median of
 * the per-round ratios this/other:
 *
 *   node --conditions=@wn/source --import tsx src/tree-ab.ts /path/to/other W2:1:1,W2:2:1,W3:2:10 [rounds=9]
 *
 * Each item is workload:threads:steps per block.
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const [otherArg, itemsArg = 'W3:1:10,W3:2:10', roundsArg = '9'] = process.argv.slice(2);
if (!otherArg) throw new Error('usage: tree-ab.ts <other checkout> <workload:threads:steps,...> [rounds]');
const trees = { this: resolve(here, '..', '..', '..'), other: resolve(otherArg) };

function child(root: string) {
  const proc = spawn(process.execPath, ['--conditions=@wn/source', '--import', 'tsx', join(here, 'tree-ab-child.ts'), root], {
    cwd: join(root, 'apps', 'bench'),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const waiting: ((line: string) => void)[] = [];
  createInterface({ input: proc.stdout }).on('line', (line) => waiting.shift()?.(line));
  const ask = (request: string) => new Promise<number[]>((done) => {
    waiting.push((line) => done(line.split(' ').map(Number)));
    proc.stdin.write(`${request}\n`);
  });
  return { ask, proc };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const children = { this: child(trees.this), other: child(trees.other) };
const rounds = Number(roundsArg);
for (const item of itemsArg.split(',')) {
  const [id, threads, steps] = item.split(':');
  const times = { this: { wall: [] as number[], cpu: [] as number[] }, other: { wall: [] as number[], cpu: [] as number[] } };
  const load = loadavg()[0];
  for (const side of ['this', 'other'] as const) await children[side].ask(`${id} ${threads} 1`);
  for (let r = 0; r < rounds; r++) {
    for (const side of r % 2 === 0 ? (['this', 'other'] as const) : (['other', 'this'] as const)) {
      const [wall, cpu] = await children[side].ask(`${id} ${threads} ${steps}`);
      times[side].wall.push(wall);
      times[side].cpu.push(cpu);
    }
  }
  const ratio = median(times.this.wall.map((w, r) => w / times.other.wall[r]));
  const fmt = (side: 'this' | 'other') => `${median(times[side].wall).toFixed(1)} ms (CPU ${median(times[side].cpu).toFixed(1)})`;
  console.log(`${id} ${threads}t: this ${fmt('this')}, other ${fmt('other')}; median ratio this/other ${ratio.toFixed(3)}; load average ${load.toFixed(1)} → ${loadavg()[0].toFixed(1)}`);
}
for (const c of Object.values(children)) c.proc.kill();
