import { summarize, type RenderableEvent, type RenderLinks } from './summary.js';

/**
 * Block Kit limits of the parts this message uses (api.slack.com/reference/block-kit: blocks, composition objects,
 * block elements). Each text is clipped to its limit, so a long book name or reason never makes Slack refuse the
 * message (`invalid_blocks`), which would fail the delivery for good.
 */
export const SLACK_LIMITS = {
  blocks: 50,
  headerText: 150,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  contextElements: 10,
  contextText: 3000,
  buttonText: 75,
  buttonUrl: 3000,
  /** The top-level `text`: Slack shows it in notifications; it is clipped well below its 40,000 truncation. */
  fallbackText: 3000,
} as const;

const CUT = '…';
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/**
 * `text` for a mrkdwn (or plain_text, `escape` false) field of at most `max` characters: &, < and > escaped as Slack
 * asks (so a name cannot form a link or a mention), then clipped at a whole character and never inside an entity.
 */
export function slackText(text: string, max: number, escape = true): string {
  const chars = Array.from(text, (char) => (escape ? (ENTITIES[char] ?? char) : char));
  let length = 0;
  for (const piece of chars) length += piece.length;
  if (length <= max) return chars.join('');
  let kept = '';
  for (const piece of chars) {
    if (kept.length + piece.length > max - CUT.length) break;
    kept += piece;
  }
  return kept + CUT;
}

/** A field in two lines: the label in bold, then its value. */
const field = (label: string, value: string) => {
  const head = `*${slackText(label, 100)}*\n`;
  return { type: 'mrkdwn', text: head + slackText(value, SLACK_LIMITS.fieldText - head.length) };
};

/**
 * The `slack` body: a Slack incoming-webhook message — `text` (the notification line) and `blocks`: a header, the
 * event's sentence, its facts as fields, a context line naming the event, and a button to the console page under
 * PUBLIC_URL (no button without it).
 */
export function renderSlack(event: RenderableEvent, links: RenderLinks): Record<string, unknown> {
  const summary = summarize(event, links);
  const blocks: Array<Record<string, unknown>> = [
    { type: 'header', text: { type: 'plain_text', text: slackText(summary.title, SLACK_LIMITS.headerText, false) } },
    { type: 'section', text: { type: 'mrkdwn', text: slackText(summary.text, SLACK_LIMITS.sectionText) } },
  ];
  const facts = summary.facts.slice(0, SLACK_LIMITS.sectionFields);
  if (facts.length > 0) blocks.push({ type: 'section', fields: facts.map(([label, value]) => field(label, value)) });
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: slackText(summary.context, SLACK_LIMITS.contextText) }],
  });
  if (summary.link && summary.link.url.length <= SLACK_LIMITS.buttonUrl) {
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: 'open_console',
          text: { type: 'plain_text', text: slackText(summary.link.label, SLACK_LIMITS.buttonText, false) },
          url: summary.link.url,
        },
      ],
    });
  }
  return { text: slackText(`${summary.title}: ${summary.text}`, SLACK_LIMITS.fallbackText), blocks };
}
