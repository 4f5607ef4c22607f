import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cpuSnapshot, cpuUsageSince, networkSources } from '../src/core/cpu-accounting';

test('the network processes are read from the pid files of its work directory', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'gridshare-cpu-'));
  try {
    expect(networkSources(dir)).toEqual([]);
    mkdirSync(path.join(dir, 'pids'));
    writeFileSync(path.join(dir, 'pids', 'orderer.pid'), '123\n');
    writeFileSync(path.join(dir, 'pids', 'chaincode-trivial.pid'), '456');
    writeFileSync(path.join(dir, 'pids', 'broken.pid'), 'not a pid');
    writeFileSync(path.join(dir, 'pids', 'notes.txt'), '789');
    expect(networkSources(dir).sort((a, b) => a.pid - b.pid)).toEqual([
      { name: 'orderer', pid: 123 },
      { name: 'chaincode-trivial', pid: 456 },
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CPU spent by this process between two snapshots is accounted to it, within the machine total', () => {
  const sources = [{ name: 'me', pid: process.pid }];
  const wallStart = performance.now();
  const before = cpuSnapshot(sources);
  // Busy until this process has used 150 ms of CPU, however contended the machine is.
  const start = process.cpuUsage();
  let x = 0;
  while ((process.cpuUsage(start).user + process.cpuUsage(start).system) / 1000 < 150) for (let i = 0; i < 10_000; i++) x += Math.sqrt(x + 1);
  expect(x).toBeGreaterThan(0);
  const usage = cpuUsageSince(before, sources);
  const wallSeconds = (performance.now() - wallStart) / 1000;
  expect(usage.ms.me).toBeGreaterThanOrEqual(100);
  expect(usage.machineBusyMs).toBeGreaterThanOrEqual((usage.ms.me ?? 0) - 20);
  // `seconds` is the wall time between the snapshots; CPU time of all the process's threads
  // (GC helpers included) may exceed it, so it is compared with the clock, not with the CPU spent.
  expect(usage.seconds).toBeGreaterThan(0);
  expect(usage.seconds).toBeLessThanOrEqual(wallSeconds + 0.01);
  expect(usage.seconds).toBeGreaterThanOrEqual(wallSeconds - 0.05);
});
