/** `lifeline agent --help`. */
export const USAGE = `Usage: lifeline agent [--config FILE] [--host H] [--port P] [--bridge-port P]
       lifeline agent init --dir DIR
       lifeline agent run-command --id ID [--config FILE] [--json] -- ARGV…
       lifeline agent status [--config FILE] [--json]
       lifeline agent jobs [--config FILE] [--state S] [--site ID] [--limit N] [--json]
       lifeline agent retry <job id> [--config FILE]
       lifeline agent cancel <job id> [--config FILE]

Runs the Lifeline agent: an HTTP server taking webhooks (POST /hooks/<id>), queueing and running
deploys, and answering GET /health, GET /health/ready, GET /metrics and, with apiToken set in the
config, the operator API (/jobs, /sites, /deliveries; "Authorization: Bearer <token>").

  --config FILE  Settings in YAML (.yaml, .yml) or JSON (.json). Without it the defaults are used.
  --host H       Address to listen on (default 127.0.0.1; 0.0.0.0 for every interface).
  --port P       Port to listen on (default 8787; 0 picks a free one).
  --bridge-port P  Port of the socket bridge (default 8899; 0 picks a free one). The bridge runs when
                 bridge.token is set in the config.
  -h, --help     Show this help.

Data lives in dataDir from the config file, else in $LIFELINE_HOME/agent, else in the
platform's user-data folder (~/.local/share/lifeline/agent on Linux).
SIGTERM or SIGINT stops the agent after open requests finish.

init writes DIR/agent.yaml (a commented config with an example site and GitHub hook),
DIR/webhook.secret and DIR/bridge.token (random, readable by their owner only) and
DIR/lifeline-agent.service (a systemd unit). It never overwrites a file.

run-command runs ARGV once per command id, ever, through the agent's ledger (what the desktop's tmux
and exec layers type or run here): a second run with the same id prints the recorded result instead.
"lifeline agent run-command --help" has its options.

status, jobs, retry and cancel read the agent's database directly (give the agent's --config), so
they work while the agent is down:
  status         Whether the agent answers on its port; jobs by state, running jobs with their
                 site and age, paused sites, how long the oldest waiting job has waited.
  jobs           The newest jobs (--limit, default 20), optionally of one --state (queued, running,
                 succeeded, failed, dead, cancelled) or --site.
  retry ID       Queues a new job with the same deploy as job ID (one that has finished or failed).
  cancel ID      Cancels a waiting job at once; a running one is stopped by the agent running it at
                 its next heartbeat, which kills the running step's whole process group.
  --json         Print JSON instead of text.
Exit codes: 0 done, 2 bad input or no such job, 1 an unexpected failure.`;
