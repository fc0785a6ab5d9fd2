import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { z } from 'zod';
import { DeliveryIdSchema, RedeliveringSchema, RetryAcceptedSchema } from '../contract/deliveries.js';
import {
  CreateEndpointRequestSchema,
  EndpointPreviewSchema,
  PreviewQuerySchema,
  RecoverRequestSchema,
  RotateSecretRequestSchema,
  UpdateEndpointRequestSchema,
} from '../contract/endpoints.js';
import { EndpointSchema, EndpointTestResultSchema, EndpointWithSecretSchema } from '../contract/endpoint-view.js';
import {
  listDeliveryAttempts,
  listEndpointDeliveries,
  listEndpointDigests,
  listEndpoints,
  listOperationalEvents,
} from './openapi-lists.js';
import { BODY_PROBLEMS, body, endpointParams, json, links, op, post } from './openapi-operations.js';

/** The endpoint paths of the OpenAPI document: endpoints, their deliveries and digests, and operational events. */

const ENDPOINT_FROM_BODY = { id: '$response.body#/id' };
const ENDPOINT_FROM_PATH = { id: '$request.path.id' };
const endpointLinks = (from: Record<string, string>) =>
  links({
    getEndpoint: from,
    updateEndpoint: from,
    deleteEndpoint: from,
    rotateEndpointSecret: from,
    testEndpoint: from,
    previewEndpoint: from,
    resendEndpointConfirmation: from,
    listEndpointDeliveries: from,
    listEndpointDigests: from,
    recoverEndpointDeliveries: from,
  });

const EMAIL_CONSENT = `An e-mail subscription starts unconfirmed (\`confirmed_at: null\`): its address gets one
confirmation message with a link to PUBLIC_URL/confirm/<token>, and nothing else until someone there presses the
button on that page. Its deliveries wait HELD meanwhile and are sent, in order, once confirmed. Creating one counts a
mail against MAIL_RATE_PER_ADDRESS and MAIL_RATE_PER_TENANT (429 \`mail-rate-limited\` past them); a repeat with the
same Idempotency-Key sends nothing more.`;

export const endpointPaths: ZodOpenApiPathsObject = {
  '/v1/endpoints': {
    post: post('Register an endpoint: a URL or an e-mail address', {
      operationId: 'createEndpoint',
      description: EMAIL_CONSENT,
      requestBody: body(CreateEndpointRequestSchema),
      responses: {
        '201': {
          ...json(EndpointWithSecretSchema, 'The endpoint and its secret, shown once'),
          links: endpointLinks(ENDPOINT_FROM_BODY),
        },
      },
      problems: ['email-not-configured', 'destination-taken', 'mail-rate-limited'],
    }),
    get: listEndpoints,
  },
  '/v1/endpoints/{id}': {
    get: op('An endpoint', {
      operationId: 'getEndpoint',
      requestParams: endpointParams,
      responses: { '200': { ...json(EndpointSchema, 'The endpoint'), links: endpointLinks(ENDPOINT_FROM_PATH) } },
      problems: ['endpoint-not-found'],
    }),
    patch: op('Change an endpoint', {
      operationId: 'updateEndpoint',
      description:
        '`active: false` pauses the endpoint: its deliveries are HELD. `active: true` resumes (or re-enables) it, ' +
        'sends its HELD deliveries in causal order and starts a new failure streak. A new `email` starts unconfirmed ' +
        'again, with a confirmation message of its own.',
      requestParams: endpointParams,
      requestBody: body(UpdateEndpointRequestSchema),
      responses: {
        '200': { ...json(EndpointSchema, 'The endpoint'), links: links({ getEndpoint: ENDPOINT_FROM_PATH }) },
      },
      problems: [...BODY_PROBLEMS, 'endpoint-not-found', 'destination-taken', 'mail-rate-limited', 'api-key-read-only'],
    }),
    delete: op('Delete an endpoint', {
      operationId: 'deleteEndpoint',
      requestParams: endpointParams,
      responses: { '204': { description: 'Deleted' } },
      problems: ['endpoint-not-found', 'api-key-read-only'],
    }),
  },
  '/v1/endpoints/{id}/rotate-secret': {
    post: post('Rotate the signing secret (the old one signs too for a grace period)', {
      operationId: 'rotateEndpointSecret',
      requestParams: endpointParams,
      requestBody: body(RotateSecretRequestSchema, false),
      responses: {
        '200': {
          ...json(EndpointWithSecretSchema, 'The endpoint and its new secret, shown once'),
          links: links({ testEndpoint: ENDPOINT_FROM_PATH, getEndpoint: ENDPOINT_FROM_PATH }),
        },
      },
      problems: ['endpoint-not-found'],
    }),
  },
  '/v1/endpoints/{id}/confirmation': {
    post: post('Send an unconfirmed e-mail address a new confirmation message', {
      operationId: 'resendEndpointConfirmation',
      description:
        'A new link; the earlier one stops working. Counted against MAIL_RATE_PER_ADDRESS and MAIL_RATE_PER_TENANT.',
      requestParams: endpointParams,
      responses: {
        '202': {
          ...json(EndpointSchema, 'The endpoint; the message is on its way'),
          links: links({ getEndpoint: ENDPOINT_FROM_PATH }),
        },
      },
      problems: ['endpoint-not-found', 'confirmation-not-pending', 'mail-rate-limited'],
    }),
  },
  '/v1/endpoints/{id}/test': {
    post: post('Send a signed test event now', {
      operationId: 'testEndpoint',
      description:
        'To an e-mail address only once it confirmed, and at most MAIL_RATE_PER_ADDRESS an address ' +
        '(MAIL_RATE_PER_TENANT in all) within MAIL_RATE_WINDOW.',
      requestParams: endpointParams,
      responses: {
        '200': {
          ...json(EndpointTestResultSchema, 'The attempt'),
          links: links({ listEndpointDeliveries: ENDPOINT_FROM_PATH }),
        },
      },
      problems: ['endpoint-not-found', 'endpoint-unconfirmed', 'mail-rate-limited'],
    }),
  },
  '/v1/endpoints/{id}/preview': {
    get: op("A sample event as this endpoint would receive it, in the endpoint's format", {
      operationId: 'previewEndpoint',
      description:
        "The body a sample book's event takes in the endpoint's `format`, rendered by the code deliveries use (the " +
        'console shows it). Nothing is sent. Console links appear under PUBLIC_URL only.',
      requestParams: { ...endpointParams, query: PreviewQuerySchema },
      responses: { '200': json(EndpointPreviewSchema, 'The rendered body') },
      problems: ['endpoint-not-found'],
    }),
  },
  '/v1/endpoints/{id}/deliveries': { get: listEndpointDeliveries },
  '/v1/endpoints/{id}/digests': { get: listEndpointDigests },
  '/v1/endpoints/{id}/recover': {
    post: post('Redeliver every delivery that failed since a time, and every HELD one', {
      operationId: 'recoverEndpointDeliveries',
      requestParams: endpointParams,
      requestBody: body(RecoverRequestSchema),
      responses: {
        '202': {
          ...json(RedeliveringSchema, 'Redelivering'),
          links: links({ listEndpointDeliveries: ENDPOINT_FROM_PATH }),
        },
      },
      problems: ['endpoint-not-found'],
    }),
  },
  '/v1/deliveries/{id}/attempts': { get: listDeliveryAttempts },
  '/v1/deliveries/{id}/retry': {
    post: post('Redeliver one delivery, keeping its webhook-id', {
      operationId: 'retryDelivery',
      requestParams: { path: z.object({ id: DeliveryIdSchema }) },
      responses: { '202': json(RetryAcceptedSchema, 'Redelivering') },
      problems: ['endpoint-not-found', 'delivery-not-found', 'delivery-in-progress'],
    }),
  },
  '/v1/operational-events': { get: listOperationalEvents },
};
