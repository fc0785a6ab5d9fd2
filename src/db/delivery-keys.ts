/**
 * `column = param` written so that no index can serve it: a batch of one endpoint's deliveries is then found by the
 * primary key (tenant_id, event_id = any(…)), never by reading the endpoint's deliveries in deliveries_endpoint_idx.
 * With statistics older than those deliveries (a new tenant, a young table) the planner chose that index and read every
 * delivery the endpoint had at each attempt: in the burst benchmark, a third of PostgreSQL's time.
 */
export const endpointOutsideIndex = (column: string, param: string): string => `(${column} = ${param}::uuid) is true`;
