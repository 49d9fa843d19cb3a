import { afterEach, beforeEach } from 'vitest';
import { AgentProcesses } from './agent-process';
import { AgentWorkspace } from './workspace';

/** A fresh workspace per test and the agent processes it starts, all stopped and removed after each test. */
export function agentWorld(): { readonly workspace: AgentWorkspace; readonly agents: AgentProcesses } {
  const agents = new AgentProcesses();
  let current: AgentWorkspace | undefined;
  beforeEach(() => {
    current = new AgentWorkspace();
  });
  afterEach(async () => {
    await agents.stopAll();
    current?.dispose();
    current = undefined;
  });
  return {
    agents,
    get workspace(): AgentWorkspace {
      if (!current) throw new Error('The workspace exists only while a test runs.');
      return current;
    },
  };
}
