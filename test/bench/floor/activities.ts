import { request, type Agent } from 'undici';

/** The floor's one activity: a plain JSON POST over a keep-alive connection pool, as bookbell's sender makes it. */
export function createFloorActivities(agent: Agent) {
  return {
    async post(url: string, id: string): Promise<void> {
      const response = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id }),
        dispatcher: agent,
      });
      await response.body.dump();
      if (response.statusCode < 200 || response.statusCode >= 300) {
        throw new Error(`receiver answered ${response.statusCode}`);
      }
    },
  };
}
