import { join } from 'node:path';
import { runCommandCli, type RunCommandIo } from './commands/cli-run';
import type { CommandExecutor } from './commands/executor';
import { openExecutor as openAgentExecutor } from './commands/open';
import { ConfigError, loadAgentConfig, type AgentConfig } from './config';

/** `lifeline agent run-command …`: one command through the agent's executor, its output passed through. */
export function runRunCommand(argv: string[], streams: RunCommandIo): Promise<number> {
  return runCommandCli(argv, streams, openExecutor);
}

/** run-command's executor: the agent's config and database, opened by this short-lived process. */
function openExecutor(configFile: string | undefined): { executor: CommandExecutor; close(): Promise<void> } {
  let config: AgentConfig;
  try {
    config = loadAgentConfig(configFile, {}, process.env, { secrets: 'unresolved' });
  } catch (error) {
    if (error instanceof ConfigError) throw new Error(error.problems.join('; '));
    throw error;
  }
  return openAgentExecutor(join(config.dataDir, 'agent.db'), config.commands);
}
