import type { LinkLayer } from '../../../../preload/api';

/** How a layer's line looks: a colour (light and dark, from links.css) and a dash pattern, so lines differ without colour too. */
export const LAYER_STYLE: Record<LinkLayer, { color: string; dash: string | undefined }> = {
  bridge: { color: 'var(--layer-bridge)', dash: undefined },
  tmux: { color: 'var(--layer-tmux)', dash: '7 3' },
  trigger: { color: 'var(--layer-trigger)', dash: '2 3' },
  exec: { color: 'var(--layer-exec)', dash: '9 3 2 3' },
};
