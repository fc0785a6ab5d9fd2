import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { asApiError, type ApiError } from './api.js';

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  /** Loads again, keeping the current data on screen meanwhile. */
  reload: () => void;
}

/**
 * Runs `load` when `deps` change and on `reload()`; an older answer never overwrites a newer one. With
 * `refreshMs`, loads again as long after each answer as it says (undefined: no more).
 */
export function useLoad<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: unknown[],
  options: { refreshMs?: (data: T) => number | undefined } = {},
): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  const latest = useRef(0);
  const reload = useCallback(() => setGeneration((n) => n + 1), []);

  useEffect(() => {
    const call = ++latest.current;
    const controller = new AbortController();
    let timer: number | undefined;
    setLoading(true);
    load(controller.signal).then(
      (value) => {
        if (call !== latest.current) return;
        setData(value);
        setError(undefined);
        setLoading(false);
        const refreshMs = options.refreshMs?.(value);
        if (refreshMs !== undefined) timer = window.setTimeout(reload, refreshMs);
      },
      (err: unknown) => {
        if (call !== latest.current || controller.signal.aborted) return;
        setError(asApiError(err));
        setLoading(false);
      },
    );
    return () => {
      controller.abort();
      window.clearTimeout(timer);
    };
    // The caller names what the load depends on.
  }, [...deps, generation]);

  return { data, error, loading, reload };
}
