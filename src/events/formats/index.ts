import type { BodyFormat } from '../../contract/endpoint-settings.js';
import { renderOcrolus } from './ocrolus.js';
import { renderSlack } from './slack.js';
import type { RenderableEvent, RenderLinks } from './summary.js';
import { renderTeams } from './teams.js';

export type { RenderableEvent, RenderLinks } from './summary.js';

/**
 * The body an endpoint of `format` receives for an event: the one renderer that deliveries, test events and the
 * console's preview all use. `bookbell` is the stored payload as is; the others are built from it, never stored.
 */
export function renderBody(format: BodyFormat, event: RenderableEvent, links: RenderLinks = {}): string {
  switch (format) {
    case 'bookbell':
      return JSON.stringify(event);
    case 'ocrolus':
      return JSON.stringify(renderOcrolus(event));
    case 'slack':
      return JSON.stringify(renderSlack(event, links));
    case 'teams':
      return JSON.stringify(renderTeams(event, links));
  }
}
