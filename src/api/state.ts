/** What the middleware puts on `ctx.state` for the routes. */
export interface AppState {
  requestId: string;
  tenantId: string;
}
