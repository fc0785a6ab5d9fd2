import { z } from 'zod';

/**
 * What Slack and Teams accept, for the parts bookbell's `slack` and `teams` bodies use: written from Slack's Block
 * Kit reference (api.slack.com/reference/block-kit/blocks, /composition-objects, /block-elements) and the Adaptive
 * Card 1.4 schema (adaptivecards.io/explorer: AdaptiveCard, TextBlock, FactSet, Action.OpenUrl) with Teams' workflow
 * webhook envelope. Strict objects: a property neither documents fails the test.
 */

/** mrkdwn as Slack asks it: &, < and > only as the entities &amp; &lt; &gt; (else they form links and mentions). */
const escapedMrkdwn = (text: string) => !/[<>]/.test(text) && !/&(?!amp;|lt;|gt;)/.test(text);

const plainText = (max: number) =>
  z.strictObject({ type: z.literal('plain_text'), text: z.string().min(1).max(max), emoji: z.boolean().optional() });
const mrkdwn = (max: number) =>
  z.strictObject({
    type: z.literal('mrkdwn'),
    text: z.string().min(1).max(max).refine(escapedMrkdwn, 'unescaped &, < or > in mrkdwn'),
    verbatim: z.boolean().optional(),
  });
const textObject = (max: number) => z.union([plainText(max), mrkdwn(max)]);

const button = z.strictObject({
  type: z.literal('button'),
  text: plainText(75),
  action_id: z.string().max(255).optional(),
  url: z.url().max(3000).optional(),
  value: z.string().max(2000).optional(),
  style: z.enum(['primary', 'danger']).optional(),
});

const block = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('header'), text: plainText(150), block_id: z.string().max(255).optional() }),
  z
    .strictObject({
      type: z.literal('section'),
      text: textObject(3000).optional(),
      fields: z.array(textObject(2000)).min(1).max(10).optional(),
      block_id: z.string().max(255).optional(),
    })
    .refine((section) => section.text !== undefined || section.fields !== undefined, 'a section needs text or fields'),
  z.strictObject({ type: z.literal('context'), elements: z.array(textObject(3000)).min(1).max(10) }),
  z.strictObject({ type: z.literal('actions'), elements: z.array(button).min(1).max(25) }),
  z.strictObject({ type: z.literal('divider') }),
]);

/** An incoming-webhook message: `text` is required with blocks (the notification line; Slack answers `no_text`). */
export const SlackMessageSchema = z.strictObject({
  text: z.string().min(1).max(40_000).refine(escapedMrkdwn, 'unescaped &, < or > in text'),
  blocks: z.array(block).min(1).max(50),
});
export type SlackMessage = z.infer<typeof SlackMessageSchema>;

const textBlock = z.strictObject({
  type: z.literal('TextBlock'),
  text: z.string(),
  wrap: z.boolean().optional(),
  size: z.enum(['Default', 'Small', 'Medium', 'Large', 'ExtraLarge']).optional(),
  weight: z.enum(['Default', 'Lighter', 'Bolder']).optional(),
  isSubtle: z.boolean().optional(),
  color: z.enum(['Default', 'Dark', 'Light', 'Accent', 'Good', 'Warning', 'Attention']).optional(),
});
const factSet = z.strictObject({
  type: z.literal('FactSet'),
  facts: z.array(z.strictObject({ title: z.string(), value: z.string() })).min(1),
});
const openUrl = z.strictObject({ type: z.literal('Action.OpenUrl'), url: z.url(), title: z.string().optional() });

export const AdaptiveCardSchema = z.strictObject({
  $schema: z.literal('http://adaptivecards.io/schemas/adaptive-card.json').optional(),
  type: z.literal('AdaptiveCard'),
  version: z.enum(['1.0', '1.1', '1.2', '1.3', '1.4', '1.5']),
  body: z.array(z.discriminatedUnion('type', [textBlock, factSet])).min(1),
  actions: z.array(openUrl).min(1).optional(),
});

/** What a Teams workflow ("When a Teams webhook request is received") takes: a message with card attachments. */
export const TeamsMessageSchema = z.strictObject({
  type: z.literal('message'),
  attachments: z
    .array(
      z.strictObject({
        contentType: z.literal('application/vnd.microsoft.card.adaptive'),
        contentUrl: z.null().optional(),
        content: AdaptiveCardSchema,
      }),
    )
    .min(1),
});
export type TeamsMessage = z.infer<typeof TeamsMessageSchema>;
/** Teams refuses messages over about 28 KB. */
export const TEAMS_MAX_BYTES = 28 * 1024;

/**
 * A loopback receiver that answers as Slack's and Teams' webhook endpoints do: Slack `200 ok` for a valid message,
 * `400 invalid_blocks` / `no_text` otherwise; a Teams workflow `202` for a valid card, `400` otherwise.
 */
export function chatReply(kind: 'slack' | 'teams', body: string): { status: number; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { status: 400, reason: 'invalid_payload' };
  }
  if (kind === 'slack') {
    const parsed = SlackMessageSchema.safeParse(json);
    if (parsed.success) return { status: 200, reason: 'ok' };
    const noText = parsed.error.issues.some((issue) => issue.path[0] === 'text');
    return { status: 400, reason: noText ? 'no_text' : 'invalid_blocks' };
  }
  const fits = Buffer.byteLength(body) <= TEAMS_MAX_BYTES;
  return TeamsMessageSchema.safeParse(json).success && fits
    ? { status: 202, reason: 'accepted' }
    : { status: 400, reason: 'invalid card' };
}
