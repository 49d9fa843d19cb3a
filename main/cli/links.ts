import { parseArgs } from 'node:util';
import type { CliContext } from './context';
import type { CliIo } from './io';
import { withLinkManager } from './run';
import { serverByName } from './servers';
import { CliRefusal } from './vault-access';

/**
 * `lifeline links [SERVER] [--json]`: each layer's state and last latency, as the probes recorded them;
 * servers never probed yet are probed once first.
 */
export async function runLinks(argv: string[], io: CliIo, context: CliContext): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, strict: true, allowPositionals: true, options: { json: { type: 'boolean' } } });
  const [name, extra] = positionals;
  if (extra) throw new CliRefusal('Usage: lifeline links [SERVER] [--json]');
  const servers = name === undefined ? context.servers.list() : [serverByName(name, context)];
  if (servers.length === 0) {
    io.err('No servers yet. Add one with "lifeline servers add NAME --host H --agent tcp://HOST:PORT …".');
    return 0;
  }
  return withLinkManager(io, context, servers, async (manager) => {
    const unprobed = servers.filter((server) => !manager.hasSamples(server.id)).map((server) => server.id);
    if (unprobed.length > 0) await manager.probeAll(unprobed);
    const states = servers.flatMap((server) => manager.linkStates(server.id).map((health) => ({ server: server.name, ...health })));
    if (values.json) {
      io.out(JSON.stringify(states, null, 2));
      return 0;
    }
    for (const health of states) {
      const latency = health.lastLatencyMs === null ? '-' : `${health.lastLatencyMs.toFixed(1)} ms`;
      io.out([health.server, health.layer, health.state, latency, health.lastError ?? ''].join('\t').trimEnd());
    }
    return 0;
  });
}
