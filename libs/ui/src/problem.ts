/** The API's problem+json body (RFC 9457) as the portal and the console read it. */
export interface ProblemLike {
  title?: string;
  detail?: string;
  status?: number;
  errors?: { field: string; message: string }[];
}

/**
 * The problem's field errors keyed by form path: the API names fields like `listeners[0].ports`,
 * form libraries like `listeners.0.ports`. A field error the form has no input for stays in
 * `rest`, so the page can still show it (never swallowed).
 */
export function problemFieldErrors(problem: ProblemLike | undefined, formFields?: readonly string[]): { fields: Record<string, string>; rest: string[] } {
  const fields: Record<string, string> = {};
  const rest: string[] = [];
  for (const e of problem?.errors ?? []) {
    const path = e.field.replace(/\[(\d+)\]/g, '.$1');
    if (!formFields || formFields.some((f) => path === f || path.startsWith(`${f}.`))) fields[path] = fields[path] ? `${fields[path]}; ${e.message}` : e.message;
    else rest.push(`${e.field}: ${e.message}`);
  }
  return { fields, rest };
}

/** One line for a notification or an alert: "Validation failed: address must be ...". */
export function problemMessage(problem: ProblemLike | undefined, fallback = 'Something went wrong'): string {
  if (!problem) return fallback;
  return [problem.title, problem.detail].filter(Boolean).join(': ') || fallback;
}
