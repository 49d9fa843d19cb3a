import { useEffect, useId, useRef } from 'react';
import type { SshConfigPreview, SshConfigSkipped } from '../../../../preload/api';
import { Nothing } from './Nothing';
import { settingsText } from './ssh-import';

interface SshImportPreviewProps {
  preview: SshConfigPreview;
  selected: ReadonlySet<string>;
  onToggle(name: string, checked: boolean): void;
  onToggleAll(checked: boolean): void;
}

/** What the import would create (each host with a checkbox) and what it skips, with the reason for each. */
export function SshImportPreview({ preview, selected, onToggle, onToggleAll }: SshImportPreviewProps) {
  const hostsHeading = useId();
  const skippedHeading = useId();
  return (
    <>
      <p className="field-hint" data-testid="ssh-import-files">
        Read {preview.files.length === 1 ? 'one file' : `${preview.files.length} files`}:{' '}
        {preview.files.map((file, index) => (
          <span key={file}>
            {index > 0 && ', '}
            <code>{file}</code>
          </span>
        ))}
      </p>
      <h3 id={hostsHeading}>Servers to create ({preview.create.length})</h3>
      {preview.create.length === 0 ? (
        <p className="muted" data-testid="ssh-import-nothing">
          Nothing to create: every host in this config is either skipped (see why below) or already in Lifeline.
        </p>
      ) : (
        <>
          <p className="field-hint">
            Key files stay where they are: the servers log in with the ssh-agent. To log in with a key from the vault, import it on
            the Keys page and choose it in the server&apos;s settings.
          </p>
          <div className="table-wrap">
            <table className="servers-table" aria-labelledby={hostsHeading} data-testid="ssh-import-hosts">
              <thead>
                <tr>
                  <th scope="col">
                    <SelectAll count={preview.create.length} selected={selected.size} onChange={onToggleAll} />
                  </th>
                  <th scope="col">Name</th>
                  <th scope="col">Host</th>
                  <th scope="col">Port</th>
                  <th scope="col">User</th>
                  <th scope="col">Key file</th>
                  <th scope="col">Jump chain</th>
                </tr>
              </thead>
              <tbody>
                {preview.create.map((host) => {
                  const settings = settingsText(host.settings);
                  return (
                    <tr key={host.name} data-testid="ssh-import-host">
                      <td>
                        <input
                          type="checkbox"
                          aria-label={`Import ${host.name}`}
                          checked={selected.has(host.name)}
                          onChange={(event) => onToggle(host.name, event.target.checked)}
                        />
                      </td>
                      <th scope="row">
                        {host.name}
                        {settings && <span className="field-hint"> ({settings})</span>}
                      </th>
                      <td className="mono">{host.host}</td>
                      <td className="mono">{host.port}</td>
                      <td className="mono">{host.user}</td>
                      <td className="mono">{host.identityFiles.length > 0 ? host.identityFiles.join(', ') : <Nothing />}</td>
                      <td>{host.jumpChain.length > 0 ? host.jumpChain.join(' → ') : <Nothing />}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </>
      )}
      {preview.skipped.length > 0 && (
        <>
          <h3 id={skippedHeading}>Skipped ({preview.skipped.length})</h3>
          <SkippedList entries={preview.skipped} labelledBy={skippedHeading} testId="ssh-import-skipped" />
        </>
      )}
    </>
  );
}

/** Hosts (or lines) left out, each with why and what to do. */
export function SkippedList({ entries, labelledBy, testId }: { entries: readonly SshConfigSkipped[]; labelledBy: string; testId: string }) {
  return (
    <ul aria-labelledby={labelledBy} data-testid={testId}>
      {entries.map((entry, index) => (
        // A host can be skipped for two reasons (two Host lines), so the name alone is not a key.
        <li key={`${index}:${entry.host}`}>
          <code>{entry.host}</code>: {entry.reason}
        </li>
      ))}
    </ul>
  );
}

// A checkbox over all rows, showing "some" as indeterminate (which only the DOM property can set).
function SelectAll({ count, selected, onChange }: { count: number; selected: number; onChange(checked: boolean): void }) {
  const box = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (box.current) box.current.indeterminate = selected > 0 && selected < count;
  }, [count, selected]);
  return <input ref={box} type="checkbox" aria-label="Import all" checked={selected === count} onChange={(event) => onChange(event.target.checked)} />;
}
