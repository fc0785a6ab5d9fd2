import { clipText } from '../body-size.js';
import { summarize, type RenderableEvent, type RenderLinks } from './summary.js';

/** The Adaptive Card version Teams renders in every client (Teams supports up to 1.5; 1.4 is the common floor). */
export const ADAPTIVE_CARD_VERSION = '1.4';
export const ADAPTIVE_CARD_SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';
export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';
/** Texts are clipped so the whole message stays far below Teams' message size limit (about 28 KB). */
const MAX_TEXT = 2000;

/**
 * The `teams` body: a message for a Teams workflow webhook ("Post to a channel when a webhook request is received")
 * carrying one Adaptive Card: a title, the event's sentence, its facts (a FactSet), a subtle line naming the event,
 * and an Action.OpenUrl to the console page under PUBLIC_URL (no action without it).
 */
export function renderTeams(event: RenderableEvent, links: RenderLinks): Record<string, unknown> {
  const summary = summarize(event, links);
  const body: Array<Record<string, unknown>> = [
    { type: 'TextBlock', text: clipText(summary.title, MAX_TEXT), size: 'Medium', weight: 'Bolder', wrap: true },
    { type: 'TextBlock', text: clipText(summary.text, MAX_TEXT), wrap: true },
  ];
  if (summary.facts.length > 0) {
    body.push({
      type: 'FactSet',
      facts: summary.facts.map(([title, value]) => ({ title, value: clipText(value, MAX_TEXT) })),
    });
  }
  body.push({ type: 'TextBlock', text: summary.context, size: 'Small', isSubtle: true, wrap: true });
  const content: Record<string, unknown> = {
    $schema: ADAPTIVE_CARD_SCHEMA,
    type: 'AdaptiveCard',
    version: ADAPTIVE_CARD_VERSION,
    body,
  };
  if (summary.link) content.actions = [{ type: 'Action.OpenUrl', title: summary.link.label, url: summary.link.url }];
  return {
    type: 'message',
    attachments: [{ contentType: ADAPTIVE_CARD_CONTENT_TYPE, contentUrl: null, content }],
  };
}
