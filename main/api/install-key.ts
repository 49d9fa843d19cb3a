import type { Result } from '../../preload/api';
import type { ConnectToServer } from '../terminals/connection-pool';
import type { Vault } from '../vault';
import { connectFailure } from './connect-errors';
import { fail, ok } from './errors';
import { serverNotFound, type ServersStore } from './servers';

// Runs on the server as `sh -c SCRIPT lifeline-install-key LINE BLOB`: the key arrives as arguments, never
// inside the script text. POSIX tools only (ls -n, awk, tail), so it works on BSDs and busybox too.
// Exit 3 is a refusal explained on stderr; stdout says "installed" or "present".
const SCRIPT = `set -eu
line=$1 blob=$2
refuse() { printf '%s\\n' "$1" >&2; exit 3; }
ours() {
  [ ! -L "$1" ] || refuse "~/$1 is a symbolic link; Lifeline does not write through links. Replace it with a real file or folder, then install the key again."
  [ "$(ls -nd -- "$1" | awk '{ print $3 }')" = "$(id -u)" ] || refuse "~/$1 belongs to another user, so sshd would ignore it. Fix its owner (chown), then install the key again."
}
cd "$HOME" || refuse "The home folder $HOME cannot be entered. Check the account on the server."
umask 077
if [ -e .ssh ] || [ -L .ssh ]; then
  ours .ssh
  [ -d .ssh ] || refuse "~/.ssh is not a folder. Move it aside, then install the key again."
else
  mkdir -m 700 .ssh
fi
file=.ssh/authorized_keys
if [ -e "$file" ] || [ -L "$file" ]; then
  ours "$file"
  [ -f "$file" ] || refuse "~/$file is not a regular file. Move it aside, then install the key again."
else
  : > "$file"
  chmod 600 "$file"
fi
if awk -v blob="$blob" '{ for (i = 1; i <= NF; i++) if ($i == blob) found = 1 } END { exit !found }' "$file"; then
  echo present
  exit 0
fi
# Without a final newline the key would be glued to the last line.
if [ -n "$(tail -c 1 -- "$file")" ]; then printf '\\n' >> "$file"; fi
printf '%s\\n' "$line" >> "$file"
echo installed
`;

const REFUSED = 3;

export interface InstallKeyDeps {
  servers: Pick<ServersStore, 'get'>;
  vault: Pick<Vault, 'listKeys'>;
  connect: ConnectToServer;
  /** Aborted when the service shuts down. */
  signal: AbortSignal;
}

/** Appends a vault key's public line to the server's authorized_keys, once. */
export async function installKey(deps: InstallKeyDeps, keyId: string, serverId: string): Promise<Result<{ alreadyInstalled: boolean }>> {
  const key = deps.vault.listKeys().find((candidate) => candidate.id === keyId);
  if (!key) return fail('NOT_FOUND', `There is no key with id "${keyId}" in the vault; it may have been deleted. Refresh the key list and try again.`);
  const server = deps.servers.get(serverId);
  if (!server) return serverNotFound(serverId);
  const [type, blob] = key.publicKey.split(' ');
  try {
    const connection = await deps.connect(serverId, deps.signal);
    try {
      const channel = await connection.exec(['sh', '-c', SCRIPT, 'lifeline-install-key', key.publicKey, blob ?? '']);
      channel.stdin.end();
      const [stdout, stderr, exit] = await Promise.all([text(channel.stdout), text(channel.stderr), channel.exit]);
      if (exit.code === 0 && (stdout.trim() === 'installed' || stdout.trim() === 'present')) return ok({ alreadyInstalled: stdout.trim() === 'present' });
      if (exit.code === REFUSED) return fail('CONFLICT', `${server.name}: ${stderr.trim()}`);
      return fail(
        'INTERNAL',
        `Installing the ${type} key on ${server.name} failed (exit ${exit.code ?? exit.signal}): ${stderr.trim() || 'no message'}. The server may lack a POSIX sh, awk or tail; install the public key by hand.`,
      );
    } finally {
      await connection.close();
    }
  } catch (error) {
    return connectFailure(error);
  }
}

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  let all = '';
  for await (const chunk of stream) all += String(chunk);
  return all;
}
