/**
 * The Temporal header that carries the id of the API request (X-Request-Id) behind a workflow start, signal or update,
 * and on to the activities and workflows it causes; it shows in each event of the workflow's history.
 */
export const REQUEST_ID_HEADER = 'bookbell-request-id';
