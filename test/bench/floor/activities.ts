import { fetch, type Agent } from 'undici';

/** The floor's one activity: a plain JSON POST over a keep-alive connection pool, as bookbell's sender uses. */
export function createFloorActivities(agent: Agent) {
  return {
    async post(url: string, id: string): Promise<void> {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id }),
        dispatcher: agent,
      });
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`receiver answered ${response.status}`);
    },
  };
}
