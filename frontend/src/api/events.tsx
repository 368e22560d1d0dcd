// The live stream (`GET /events`): one EventSource for the whole app, shared by every page.
import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from "react";
import { withToken } from "./client";
import type { JobEvent } from "./types";

export type Connection = "connecting" | "live" | "reconnecting";
/** `null` means: the stream came back after a gap; events may have been missed, so reload. */
type Listener = (event: JobEvent | null) => void;

interface Stream {
  connection: Connection;
  subscribe: (listener: Listener) => () => void;
}

const StreamContext = createContext<Stream>({ connection: "connecting", subscribe: () => () => {} });

export function EventsProvider({ children }: { children: ReactNode }) {
  const [connection, setConnection] = useState<Connection>("connecting");
  const listeners = useRef(new Set<Listener>());

  useEffect(() => {
    let source: EventSource | null = null;
    let retry: number | undefined;
    let wasLive = false;
    const emit = (event: JobEvent | null) => listeners.current.forEach((l) => l(event));

    const open = () => {
      source = new EventSource(withToken("/events"));
      source.onopen = () => {
        setConnection("live");
        if (wasLive) emit(null);
        wasLive = true;
      };
      source.addEventListener("job", (message) => {
        try {
          emit(JSON.parse((message as MessageEvent).data) as JobEvent);
        } catch {
          // a malformed event is dropped; the next one carries the full state again
        }
      });
      source.onerror = () => {
        setConnection("reconnecting");
        // The browser retries by itself unless the server refused (then readyState is CLOSED).
        if (source?.readyState === EventSource.CLOSED) {
          source.close();
          retry = window.setTimeout(open, 3000);
        }
      };
    };
    open();
    return () => {
      window.clearTimeout(retry);
      source?.close();
    };
  }, []);

  const subscribe = useCallback((listener: Listener) => {
    listeners.current.add(listener);
    return () => {
      listeners.current.delete(listener);
    };
  }, []);
  return <StreamContext.Provider value={{ connection, subscribe }}>{children}</StreamContext.Provider>;
}

export const useConnection = (): Connection => useContext(StreamContext).connection;

/** Calls `handler` for every job event (and with `null` after a reconnection). */
export function useJobEvents(handler: Listener): void {
  const { subscribe } = useContext(StreamContext);
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => subscribe((event) => latest.current(event)), [subscribe]);
}
