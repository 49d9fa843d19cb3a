// `lifeline agent …` as a script of its own, so the e2e world can bundle it standalone and run it as the
// test sshd's throwaway account (which may not be able to read this checkout). Same code as the
// `lifeline agent` command line; only the launcher differs.
import { runAgentCli } from '../agent/cli';

void runAgentCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
