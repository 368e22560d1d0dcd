// Talking to the platform's REST API: the token, JSON calls, errors a person can read.

const TOKEN_KEY = "vlad.token";
export const API = "/api/v1";

/** Takes `?token=` from the address once (as `vlad up` prints it), keeps it, hides it. */
export function captureToken(): void {
  const url = new URL(window.location.href);
  const token = url.searchParams.get("token");
  if (!token) return;
  localStorage.setItem(TOKEN_KEY, token);
  url.searchParams.delete("token");
  window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
}

export const getToken = (): string | null => localStorage.getItem(TOKEN_KEY);
export const setToken = (token: string): void => localStorage.setItem(TOKEN_KEY, token.trim());
export const clearToken = (): void => localStorage.removeItem(TOKEN_KEY);

export interface FieldError {
  field: string;
  problem: string;
  allowed?: string;
  path?: string;
}

/** The 422 errors about one form field (`gpu_count`, ...); an experiment's are under `base.`. */
export const errorsFor = (errors: FieldError[], field: string): FieldError[] =>
  errors.filter((e) => e.field.replace(/^base\./, "") === field);

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly errors: FieldError[] = [],
  ) {
    super(detail);
  }
}

let onUnauthorized: () => void = () => {};
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

/** A path of the API with the token in the query, for links, downloads and EventSource. */
export function withToken(path: string): string {
  const sep = path.includes("?") ? "&" : "?";
  return `${API}${path}${sep}token=${encodeURIComponent(getToken() ?? "")}`;
}

type Init = Omit<RequestInit, "body"> & { json?: unknown; body?: BodyInit };

async function request(path: string, init: Init = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const token = getToken();
  if (token) headers.set("Authorization", `Bearer ${token}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("Content-Type", "application/json");
    body = JSON.stringify(init.json);
  }
  let response: Response;
  try {
    response = await fetch(API + path, { ...init, headers, body });
  } catch (exc) {
    throw new ApiError(0, `The platform cannot be reached (${String(exc)}). Is \`vlad up\` running?`);
  }
  if (!response.ok) throw await toError(response);
  return response;
}

async function toError(response: Response): Promise<ApiError> {
  if (response.status === 401) onUnauthorized();
  let detail = `${response.status} ${response.statusText}`;
  let errors: FieldError[] = [];
  try {
    const body = await response.json();
    if (typeof body.detail === "string") detail = body.detail;
    else if (Array.isArray(body.detail)) detail = body.detail.map((d: { msg?: string }) => d.msg).join("; ");
    if (Array.isArray(body.errors)) errors = body.errors;
  } catch {
    // not JSON: the status line says enough
  }
  return new ApiError(response.status, detail, errors);
}

export async function api<T>(path: string, init: Init = {}): Promise<T> {
  const response = await request(path, init);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** A text answer with its headers (logs: `X-Next-Offset`). */
export async function apiText(path: string): Promise<{ text: string; headers: Headers }> {
  const response = await request(path);
  return { text: await response.text(), headers: response.headers };
}

export const post = <T>(path: string, json?: unknown): Promise<T> =>
  api<T>(path, { method: "POST", json: json ?? {} });

export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.detail;
  return error instanceof Error ? error.message : String(error);
}

/**
 * POST a form with XMLHttpRequest, whose upload reports progress (fetch's does not);
 * `onProgress` gets the fraction sent, 0..1. Refusals become ApiErrors like `api`'s.
 */
export function upload<T>(path: string, form: FormData, onProgress?: (fraction: number) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", API + path);
    const token = getToken();
    if (token) xhr.setRequestHeader("Authorization", `Bearer ${token}`);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress?.(e.loaded / e.total);
    xhr.onerror = () => reject(new ApiError(0, "The platform cannot be reached. Is `vlad up` running?"));
    xhr.onload = () => {
      const response = new Response(xhr.status === 204 ? null : xhr.responseText, {
        status: xhr.status,
        statusText: xhr.statusText,
      });
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress?.(1);
        resolve(xhr.status === 204 ? (undefined as T) : (JSON.parse(xhr.responseText) as T));
      } else void toError(response).then(reject);
    };
    xhr.send(form);
  });
}

export const del = (path: string): Promise<void> => api<void>(path, { method: "DELETE" });
