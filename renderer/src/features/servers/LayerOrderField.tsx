import { useEffect, useRef } from 'react';
import type { LinkLayer } from '../../../../preload/api';
import { moveLayer, type LayerChoice } from './form-values';

const LAYER_LABELS: Record<LinkLayer, string> = {
  bridge: 'Socket bridge',
  tmux: 'tmux session',
  trigger: 'Trigger files',
  exec: 'SSH exec',
};

interface LayerOrderFieldProps {
  layers: LayerChoice[];
  onChange(layers: LayerChoice[]): void;
  error?: string;
  /** Where focus goes when the layers are reported wrong: the first checkbox. */
  firstRef(element: HTMLElement | null): void;
}

/** The order failover tries the layers in, each included or left out; reordered with up/down buttons. */
export function LayerOrderField({ layers, onChange, error, firstRef }: LayerOrderFieldProps) {
  const buttons = useRef(new Map<string, HTMLButtonElement | null>());
  const focusAfterRender = useRef<string | null>(null);

  // React moves a reordered row's DOM node, which drops focus; it goes back once the row is in place.
  useEffect(() => {
    const key = focusAfterRender.current;
    focusAfterRender.current = null;
    if (key) buttons.current.get(key)?.focus();
  });

  const move = (index: number, step: -1 | 1) => {
    const to = index + step;
    if (to < 0 || to >= layers.length) return;
    const layer = layers[index]!.layer;
    onChange(moveLayer(layers, index, step));
    // The same button again, so it can be pressed again; at either end it is disabled, so the other one.
    const atEnd = to === 0 || to === layers.length - 1;
    const direction = atEnd ? (step === -1 ? 'down' : 'up') : step === -1 ? 'up' : 'down';
    focusAfterRender.current = `${layer}-${direction}`;
  };

  return (
    <fieldset className="field layer-order" aria-describedby="server-layers-hint server-layers-error" data-testid="layer-order">
      <legend>Layer order</legend>
      <ol className="layer-list">
        {layers.map((choice, index) => {
          const id = `server-layer-${choice.layer}`;
          const first = index === 0;
          const last = index === layers.length - 1;
          return (
            <li key={choice.layer} className="layer-row" data-included={choice.included}>
              <span className="layer-position" aria-hidden="true">
                {index + 1}
              </span>
              <label htmlFor={id} className="layer-label">
                <input
                  id={id}
                  type="checkbox"
                  ref={first ? firstRef : undefined}
                  checked={choice.included}
                  aria-invalid={error ? true : undefined}
                  onChange={(event) => onChange(layers.map((other) => (other.layer === choice.layer ? { ...other, included: event.target.checked } : other)))}
                />
                {LAYER_LABELS[choice.layer]} <span className="muted">({choice.layer})</span>
              </label>
              <button
                type="button"
                className="button small"
                ref={(element) => {
                  buttons.current.set(`${choice.layer}-up`, element);
                }}
                aria-label={`Move ${choice.layer} up`}
                aria-disabled={first || undefined}
                onClick={() => move(index, -1)}
              >
                ↑
              </button>
              <button
                type="button"
                className="button small"
                ref={(element) => {
                  buttons.current.set(`${choice.layer}-down`, element);
                }}
                aria-label={`Move ${choice.layer} down`}
                aria-disabled={last || undefined}
                onClick={() => move(index, 1)}
              >
                ↓
              </button>
            </li>
          );
        })}
      </ol>
      <p id="server-layers-hint" className="field-hint">
        Failover tries the included layers from the top and moves on when one fails or times out.
      </p>
      <p id="server-layers-error" className="field-error">
        {error}
      </p>
    </fieldset>
  );
}
