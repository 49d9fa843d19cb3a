import { readdirSync } from 'node:fs';
import { Gauge, type Registry } from './registry';

// The process metrics every Prometheus client library exports under these names, so existing
// dashboards and alerts (memory growth, fd leaks, restarts) work on the agent unchanged.
export function registerProcessMetrics(registry: Registry): void {
  const startTime = Math.round((Date.now() - process.uptime() * 1000) / 1000);
  registry.register(new Gauge('process_start_time_seconds', 'Start time of the process since the Unix epoch, in seconds.', [], () => [{ value: startTime }]));
  registry.register(
    new Gauge('process_cpu_seconds_total', 'User and system CPU time spent, in seconds.', [], () => {
      const { user, system } = process.cpuUsage();
      return [{ value: (user + system) / 1e6 }];
    }),
  );
  registry.register(new Gauge('process_resident_memory_bytes', 'Resident memory size, in bytes.', [], () => [{ value: process.memoryUsage.rss() }]));
  registry.register(new Gauge('nodejs_heap_used_bytes', 'V8 heap in use, in bytes.', [], () => [{ value: process.memoryUsage().heapUsed }]));
  registry.register(
    new Gauge('process_open_fds', 'Open file descriptors.', [], () => {
      // Linux only; elsewhere the gauge is left out of the scrape with a comment saying why.
      return [{ value: readdirSync('/proc/self/fd').length }];
    }),
  );
}
