import { useId, useState } from 'react';
import type { Server } from '../../../../preload/api';
import { TextField } from '../../components/TextField';
import { AgentTokenField } from './AgentTokenField';
import { opensAgentSection, type FieldName, type FormValues, type TextFieldName } from './form-values';
import { LayerOrderField } from './LayerOrderField';
import { TextAreaField } from '../../components/TextAreaField';
import './agent-section.css';

interface AgentSectionProps {
  /** The server being edited, or null for a new one. */
  server: Server | null;
  /** Whether the vault holds the server's agent token now. */
  tokenSaved: boolean;
  values: FormValues;
  errors: Partial<Record<FieldName, string>>;
  change(patch: Partial<FormValues>, ...fields: FieldName[]): void;
  register(...fields: FieldName[]): (element: HTMLElement | null) => void;
}

const SECTION_FIELDS: readonly FieldName[] = ['link', 'agentHost', 'agentPort', 'agentFingerprint', 'agentToken', 'triggerDir', 'tmuxSocket', 'agentCommand', 'layers'];

/**
 * How commands reach the server's agent over the layers (socket bridge, tmux, trigger files, SSH exec).
 * Folded away for a server that has none of it, and opened whenever one of its fields is reported wrong,
 * so focus can land on that field.
 */
export function AgentSection({ server, tokenSaved, values, errors, change, register }: AgentSectionProps) {
  const [expanded, setExpanded] = useState(() => (server ? opensAgentSection(server.link) : false));
  const bodyId = useId();
  const shown = expanded || SECTION_FIELDS.some((name) => errors[name]);

  // A change anywhere in the section also retires the main side's message, which named only the section.
  const field = (name: TextFieldName) => ({
    id: `server-${name}`,
    value: values[name],
    error: errors[name],
    onChange: (value: string) => change({ [name]: value }, name, 'link'),
  });

  return (
    <fieldset className="form-section agent-section" data-testid="agent-section">
      <legend>
        <button type="button" className="section-toggle" aria-expanded={shown} aria-controls={bodyId} onClick={() => setExpanded(!shown)}>
          <span className="section-chevron" aria-hidden="true" />
          Agent
        </button>
      </legend>
      <div id={bodyId} hidden={!shown}>
        <p className="field-hint agent-section-intro">
          How commands from the Commands page reach this server, layer by layer. The tmux layer types into the <strong>tmux session</strong> set
          under SSH above.
        </p>
        {errors.link && (
          <p className="field-error agent-section-error" data-testid="agent-section-error">
            {errors.link}
          </p>
        )}
        <div className="form-grid">
          <TextField
            {...field('agentHost')}
            inputRef={register('agentHost', 'link')}
            label="Agent host"
            hint="Where the agent's socket bridge listens; empty: no bridge layer"
          />
          <TextField {...field('agentPort')} inputRef={register('agentPort')} label="Agent port" inputMode="numeric" hint="The agent's bridge port, 8899 unless changed" />
          <TextField
            {...field('agentFingerprint')}
            inputRef={register('agentFingerprint')}
            label="TLS fingerprint"
            placeholder="SHA256:…"
            hint="The certificate's SHA256:… from lifeline agent init; empty for plain TCP"
          />
          <AgentTokenField saved={tokenSaved} values={values} error={errors.agentToken} change={change} register={register} />
          <TextField
            {...field('triggerDir')}
            inputRef={register('triggerDir')}
            label="Trigger folder"
            hint="The agent's trigger folder on the server; empty: no trigger layer"
          />
          <TextField
            {...field('tmuxSocket')}
            inputRef={register('tmuxSocket')}
            label="tmux socket"
            hint="The tmux -L name of the tmux layer's server; empty: the default one"
          />
          <TextAreaField
            {...field('agentCommand')}
            textAreaRef={register('agentCommand')}
            label="Agent command"
            placeholder={'lifeline\nagent\nrun-command'}
            hint="Starts run-command on the server for the tmux and exec layers: one argument per line; empty: lifeline agent run-command"
          />
          <LayerOrderField
            layers={values.layers}
            error={errors.layers}
            firstRef={register('layers')}
            onChange={(layers) => change({ layers }, 'layers', 'link')}
          />
        </div>
      </div>
    </fieldset>
  );
}
