import type { PageId } from '../store/navigation-slice';

export interface PageInfo {
  label: string;
  /** For pages not built yet: what will live there. */
  comingSoon?: string;
}

export const PAGES: Record<PageId, PageInfo> = {
  servers: { label: 'Servers' },
  keys: { label: 'Keys' },
  terminals: { label: 'Terminals' },
  links: { label: 'Links' },
  commands: { label: 'Commands' },
  agents: {
    label: 'Agents',
    comingSoon: 'The Lifeline agents running on your servers: their version, health, job queue and deploys.',
  },
  incidents: {
    label: 'Incidents',
    comingSoon: 'Outages and failovers, each with a timeline of what happened and what was done about it.',
  },
  dashboard: {
    label: 'Dashboard',
    comingSoon: 'Charts of link health and latency across all your servers, and what needs attention first.',
  },
};
