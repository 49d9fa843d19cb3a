import type { LayerName } from './adapters/layer';

// The layers a server can be reached over, in the order failover tries them unless the server says
// otherwise; `terminal` (manual recovery) is not a layer a command is sent over.

export const LAYER_NAMES: readonly LayerName[] = ['bridge', 'tmux', 'trigger', 'exec'];
export const DEFAULT_LAYER_ORDER: readonly LayerName[] = LAYER_NAMES;

export function isLayerName(value: string): value is LayerName {
  return (LAYER_NAMES as readonly string[]).includes(value);
}

/** "bridge,exec" as a layer order; throws an Error saying what is wrong and what is allowed. */
export function parseLayerOrder(text: string): LayerName[] {
  const names = text.split(',').map((name) => name.trim()).filter(Boolean);
  if (names.length === 0) throw new Error(`Name at least one layer, in the order to try them, e.g. ${LAYER_NAMES.join(',')}.`);
  const unknown = names.filter((name) => !isLayerName(name));
  if (unknown.length) throw new Error(`Unknown layer ${unknown.map((name) => `"${name}"`).join(', ')}: the layers are ${LAYER_NAMES.join(', ')}.`);
  const repeated = names.find((name, index) => names.indexOf(name) !== index);
  if (repeated) throw new Error(`Layer "${repeated}" is named twice; name each layer once, in the order to try them.`);
  return names as LayerName[];
}
